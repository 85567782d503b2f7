import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { insertCustomers } from '../helpers/sync-data.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

// How few requests the engine needs, with chunks in flight side by side: small chunks so one run
// has several of them at once.
const N = 1300;
let fx: SyncFixture;

before(async () => {
  fx = await startSyncFixture();
  await fx.setMapping({ ...fx.mapping('CUSTOMER'), syncOnlyCoupled: false });
  await insertCustomers(fx.db, N, { number: 'R', name: 'Request customer', city: 'Oslo' });
});
after(async () => {
  await fx?.close();
});

const requestsOf = async (run: () => Promise<unknown>) => {
  const before = fx.emulator.stats().requests;
  await run();
  return fx.emulator.stats().requests - before;
};

test('chunks in flight side by side: every customer created once, coupled once, the watermark at the end', async () => {
  const done: number[] = [];
  const ctx = {
    ...fx.ctx,
    chunkSize: 200,
    chunksInFlight: 3,
    onProgress: (_: unknown, n: number) => done.push(n),
  };
  const [toCrm] = await runMapping(ctx, fx.mapping('CUSTOMER'), { only: 'ToIntegrationTable' });
  assert.equal(toCrm!.status, 'succeeded', toCrm!.message);
  assert.equal(toCrm!.counters.inserted, N);
  // A long pass starts with a quarter of a chunk, then a half, so the CRM gets its first `$batch`
  // sooner; then whole chunks, in order.
  assert.deepEqual(done, [50, 150, 350, 550, 750, 950, 1150, 1300]);
  const accounts = await fx.db.query<{ n: number; names: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT data->>'name')::int AS names
       FROM crm.records WHERE entity = 'account' AND data->>'name' LIKE 'Request customer %'`,
  );
  assert.deepEqual(accounts.rows[0], { n: N, names: N });
  const couplings = await fx.db.query<{ n: number; coupled: number }>(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE state = 'coupled' AND last_result_to_crm = 'Success')::int AS coupled
       FROM integration.couplings WHERE mapping_name = 'CUSTOMER'`,
  );
  assert.deepEqual(couplings.rows[0], { n: N, coupled: N });
  const marks = await fx.db.query<{ erp_watermark: string; top: string }>(
    `SELECT m.erp_watermark, (SELECT max(change_seq) FROM erp.customers) AS top
       FROM integration.table_mappings m WHERE m.name = 'CUSTOMER'`,
  );
  assert.ok(Number(marks.rows[0]!.erp_watermark) >= Number(marks.rows[0]!.top));
  // A second run finds nothing to do.
  const [again] = await runMapping(ctx, fx.mapping('CUSTOMER'), { only: 'ToIntegrationTable' });
  assert.equal(again!.counters.inserted + again!.counters.modified, 0);
});

test('an incremental run reads its coupled CRM rows in one $batch, not a GET per 200 ids', async () => {
  await fx.db.query(`UPDATE erp.customers SET city = 'Bergen' WHERE number <= 'R00300'`);
  let reports: Awaited<ReturnType<typeof runMapping>> = [];
  const requests = await requestsOf(async () => {
    reports = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), { only: 'ToIntegrationTable' });
  });
  assert.equal(reports[0]!.counters.modified, 300);
  // One $batch of reads (300 ids: two reads of 200), one $batch of writes: a pass that fits one
  // chunk is not cut into smaller ones.
  assert.ok(requests <= 3, `${requests} requests for 300 changed records`);
  const city = await fx.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM crm.records WHERE entity = 'account' AND data->>'address1_city' = 'Bergen'`,
  );
  assert.equal(city.rows[0]!.n, 300);
});

test('the CRM → ERP pass drops its own echoes unread and reads in full only the rows a salesperson changed', async () => {
  // The first CRM → ERP pass starts the change tracking: every account is an echo of ours.
  const first = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), { only: 'FromIntegrationTable' });
  assert.equal(first[0]!.counters.modified + first[0]!.counters.inserted, 0);
  // Accounts of customers the ERP edits below do not change: no record is changed on both sides.
  const ids = await fx.db.query<{ crm_id: string }>(
    `SELECT k.crm_id FROM integration.couplings k JOIN erp.customers c ON c.id = k.erp_id
      WHERE k.mapping_name = 'CUSTOMER' AND c.number > 'R01000' ORDER BY k.crm_id LIMIT 3`,
  );
  for (const [i, r] of ids.rows.entries())
    assert.ok((await fx.user.update('accounts', r.crm_id, { telephone1: `+47 55 ${i}` })).ok);
  await fx.db.query(`UPDATE erp.customers SET city = 'Tromsø' WHERE number <= 'R00050'`);
  await runMapping(fx.ctx, fx.mapping('CUSTOMER'), { only: 'ToIntegrationTable' });
  let reports: Awaited<ReturnType<typeof runMapping>> = [];
  const requests = await requestsOf(async () => {
    reports = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), { only: 'FromIntegrationTable' });
  });
  assert.equal(reports[0]!.counters.modified, 3, JSON.stringify(reports[0]));
  // The delta (slim: id, version, modifier) and one read of the three rows.
  assert.ok(requests <= 2, `${requests} requests`);
  const phones = await fx.db.query<{ phone_number: string }>(
    `SELECT c.phone_number FROM erp.customers c JOIN integration.couplings k ON k.erp_id = c.id
      WHERE k.crm_id = ANY($1::uuid[]) ORDER BY c.phone_number`,
    [ids.rows.map((r) => r.crm_id)],
  );
  assert.deepEqual(
    phones.rows.map((r) => r.phone_number),
    ['+47 55 0', '+47 55 1', '+47 55 2'],
  );
});
