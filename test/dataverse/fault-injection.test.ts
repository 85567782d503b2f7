import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DataverseOperation } from '../../src/dataverse/operations.ts';
import { odataString } from '../../src/dataverse/query.ts';
import { newId } from '../../src/shared/ids.ts';
import { type Fixture, startFixture } from './emulator-fixture.ts';

let f: Fixture;
before(async () => {
  f = await startFixture({ retry: { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 2000 } });
});
after(async () => {
  await f?.stop();
});

test('10,000 creates through 20 % injected 429/503 land exactly once', async () => {
  const prefix = `fault-${newId().slice(0, 8)}-`;
  const ids = Array.from({ length: 10_000 }, () => newId());
  const ops: DataverseOperation[] = ids.map((id, i) => ({
    kind: 'create',
    entitySet: 'accounts',
    record: { name: `${prefix}${i}` },
    id,
  }));
  f.crm.setFaults({ rate: 0.2, statuses: [429, 503], retryAfterSeconds: 1 });
  const started = Date.now();
  // 250 operations per $batch (in change sets of 50) so ~40 HTTP requests meet the dice: at 20 %
  // a run without any fault is practically impossible, and the test never passes by luck.
  const results = await f.client.executeBatch(ops, {
    changeSetSize: 50,
    maxOperationsPerBatch: 250,
  });
  const ms = Date.now() - started;
  const failures = results.filter((r) => !r.ok);
  assert.equal(failures.length, 0, JSON.stringify(failures[0]));

  // Count with the faults still on: the reads retry too.
  const rows = await f.client.collectAll<{ accountid: string }>(
    'accounts',
    { select: ['accountid'], filter: `startswith(name,${odataString(prefix)})` },
    { pageSize: 5000 },
  );
  f.crm.setFaults(undefined);
  assert.ok(rows.ok, JSON.stringify(rows));
  assert.equal(rows.value.length, 10_000);
  assert.deepEqual(new Set(rows.value.map((r) => r.accountid)), new Set(ids));

  const stats = f.crm.stats();
  const m = f.client.snapshot();
  assert.ok(stats.faults > 0, 'the emulator injected faults');
  assert.equal(m.batchRequests, 40);
  assert.ok(m.retries >= 1);
  console.log(
    `10,000 creates: ${ms} ms, ${stats.faults} injected faults, ${m.retries} retries, ` +
      `${m.throttledMs} ms throttled, ${m.attempts} attempts`,
  );
});
