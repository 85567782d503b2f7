import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataverseError } from '../../src/dataverse/errors.ts';
import '../../src/flows/errors.ts';
import { crmFailure } from '../../src/flows/shared/crm-session.ts';
import { AppError } from '../../src/shared/errors.ts';

// A CRM call under a flow (reading an order, stamping it, posting to its timeline) answered as the
// integration's own CRM failures are: a CRM still throttling after the retries is a 503 with its
// Retry-After, so a client waits and tries again; every other failure stays crm_request_failed's 502.

const answer = (e: ReturnType<typeof dataverseError>) => {
  const r = crmFailure('Reading CRM order SO-1', e);
  assert.ok(!r.ok);
  const err = AppError.from(r.error);
  return { status: err.status, headers: err.headers, code: err.code, message: err.message };
};

test('a flow whose CRM throttles answers 503 with the CRM Retry-After; other CRM failures 502', () => {
  const throttled = answer(
    dataverseError('throttled', 'GET salesorders: slow down', { status: 429, retryAfterMs: 4_200 }),
  );
  assert.equal(throttled.code, 'crm_request_failed');
  assert.equal(throttled.status, 503);
  assert.deepEqual(throttled.headers, { 'retry-after': '5' });
  assert.equal(throttled.message, 'Reading CRM order SO-1: GET salesorders: slow down');

  const down = answer(dataverseError('http_error', 'GET salesorders: 500', { status: 500 }));
  assert.equal(down.status, 502);
  assert.equal(down.headers, undefined);
  const refused = answer(dataverseError('http_error', 'GET salesorders: 400', { status: 400 }));
  assert.equal(refused.status, 502, 'a flow passes a CRM refusal on as its own 502, as before');
  assert.equal(answer(dataverseError('not_found', 'no such order')).status, 502);
});
