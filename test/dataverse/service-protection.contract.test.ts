import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { newId } from '../../src/shared/ids.ts';
import { type Fixture, startFixture } from './emulator-fixture.ts';

let f: Fixture;
before(async () => {
  // Dataverse's service protection, scaled down: 25 requests per 2-second window per user.
  f = await startFixture(
    { maxConcurrency: 8, retry: { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 1000 } },
    { limits: { requestsPerWindow: 25, windowSeconds: 2 } },
  );
});
after(async () => {
  await f?.stop();
});

test('callers ride out service-protection 429s together and every request completes', async () => {
  const id = newId();
  assert.ok((await f.client.create('accounts', { name: 'protected' }, { id })).ok);
  const started = Date.now();
  const reads = await Promise.all(
    Array.from({ length: 60 }, () => f.client.retrieve('accounts', id, { select: ['name'] })),
  );
  const ms = Date.now() - started;
  const failed = reads.filter((r) => !r.ok);
  assert.equal(failed.length, 0, JSON.stringify(failed[0]));
  const m = f.client.snapshot();
  assert.ok(m.throttledResponses >= 1, 'the emulator throttled');
  // The shared pause keeps the client from hammering a throttled server: only the requests in
  // flight when a window closes meet a 429, far fewer than one per read.
  assert.ok(m.throttledResponses < 60, `${m.throttledResponses} throttled answers`);
  assert.ok(ms >= 1000, `took ${ms} ms: the windows were waited out`);
  console.log(
    `60 reads under 25 req/2 s: ${ms} ms, ${m.throttledResponses} answers 429, ${m.throttledMs} ms paused`,
  );
});
