import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_THROTTLED_RETRY_AFTER_SECONDS,
  dataverseAnswer,
  dataverseError,
} from '../../src/dataverse/errors.ts';
import { AppError } from '../../src/shared/errors.ts';

test('a connector failure is answered as a gateway answers what the CRM said', () => {
  const throttled = dataverseError('throttled', 'GET accounts: slow down', {
    status: 429,
    retryAfterMs: 12_300,
  });
  assert.deepEqual(dataverseAnswer(throttled), {
    status: 503,
    headers: { 'retry-after': '13' },
  });
  // Throttled without a wait (a 403 with the throttling code): a default, never none.
  assert.deepEqual(dataverseAnswer(dataverseError('throttled', 'x', { status: 403 })), {
    status: 503,
    headers: { 'retry-after': String(DEFAULT_THROTTLED_RETRY_AFTER_SECONDS) },
  });
  assert.deepEqual(dataverseAnswer(dataverseError('throttled', 'x', { retryAfterMs: 0 })), {
    status: 503,
    headers: { 'retry-after': '1' },
  });
  assert.deepEqual(dataverseAnswer(dataverseError('http_error', 'x', { status: 500 })), {
    status: 502,
  });
  assert.deepEqual(
    dataverseAnswer(dataverseError('http_error', 'x', { status: 503, retryAfterMs: 2000 })),
    { status: 502, headers: { 'retry-after': '2' } },
  );
  // The sign-in server's 429 (the token provider's http_error) says "wait" as well.
  assert.equal(dataverseAnswer(dataverseError('http_error', 'x', { status: 429 })).status, 503);
  for (const status of [400, 409, 412])
    assert.deepEqual(dataverseAnswer(dataverseError('http_error', 'x', { status })), {
      status: 422,
    });
  assert.deepEqual(dataverseAnswer(dataverseError('http_error', 'x')), { status: 422 });
  assert.deepEqual(dataverseAnswer(dataverseError('network_error', 'x')), { status: 502 });
  assert.deepEqual(dataverseAnswer(dataverseError('not_found', 'x', { status: 404 })), {
    status: 404,
  });
});

test('a failure passed up with a new message keeps the answer the CRM decided', () => {
  const counted = dataverseError('http_error', 'GET accounts: boom', { status: 500 });
  const wrapped = AppError.from({ ...counted, message: `Nothing started: ${counted.message}` });
  assert.equal(wrapped.status, 502);
  assert.equal(wrapped.code, 'http_error');
  const throttled = AppError.from(
    dataverseError('throttled', 'GET accounts: wait', { retryAfterMs: 5000 }),
  );
  assert.equal(throttled.status, 503);
  assert.deepEqual(throttled.headers, { 'retry-after': '5' });
  // Rebuilt from its code alone, it says only what the code's table says.
  assert.equal(AppError.from({ code: 'http_error', message: 'x' }).status, 422);
  assert.equal(AppError.from({ code: 'throttled', message: 'x' }).status, 503);
});
