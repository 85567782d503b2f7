import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/shared/logger.ts';

test('a logged error keeps its message, stack and PostgreSQL fields but never an attached client', () => {
  const sink = new PassThrough();
  let out = '';
  sink.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const logger = createLogger('info', sink);
  const err = Object.assign(new Error('terminating connection due to administrator command'), {
    code: '57P01',
    detail: 'the server is shutting down',
    client: { processID: 4242, secretKey: 987654321, connection: { stream: {} } },
  });
  const wrapped = new Error('query failed', { cause: err });
  logger.error({ err: wrapped }, 'job queue error');
  const line = JSON.parse(out.trim().split('\n')[0] as string);
  assert.equal(line.err.message, 'query failed');
  assert.equal(line.err.cause.message, 'terminating connection due to administrator command');
  assert.equal(line.err.cause.code, '57P01');
  assert.equal(line.err.cause.detail, 'the server is shutting down');
  assert.match(line.err.cause.stack, /terminating connection/);
  assert.doesNotMatch(out, /secretKey|processID|987654321/);
});
