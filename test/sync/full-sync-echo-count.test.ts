import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectedTotal } from '../../src/integration/full-sync/full-sync-lines.ts';
import { restartLine, startFullSync } from '../../src/integration/full-sync/full-sync-service.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { settledLines, startFullSyncSetting } from '../helpers/full-sync.ts';
import { createAccounts, insertCustomers } from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';

const t = useFixture(() =>
  startFullSyncSetting({
    secretKey: 'e'.repeat(40),
    seed: async (fx) => {
      await fx.setMapping({
        ...fx.mapping('CUSTOMER'),
        syncOnlyCoupled: false,
        direction: 'Bidirectional',
      });
      await insertCustomers(fx.db, 5, { number: 'E', name: 'Echo count customer', city: 'Oslo' });
      await createAccounts(fx, ['Only in the CRM one', 'Only in the CRM two']);
    },
  }),
);

test("a bidirectional line's restart expects what its passes handle: the customers the integration created in the ERP are echoes, not counted", async () => {
  assert.ok((await startFullSync(t.deps, t.boss)).ok);
  const first = (await settledLines(t.deps)).find((l) => l.mapping === 'CUSTOMER')!;
  assert.equal(first.status, 'Finished', first.message ?? '');
  const created = await t.fx.db.query<{ id: string }>(
    "SELECT id FROM erp.customers WHERE modified_by = 'integration'",
  );
  assert.equal(created.rowCount, 2, 'the CRM → ERP pass created the two accounts in the ERP');
  // Both sides last written by the integration, as on the demo (its accounts are the integration
  // user's after the first run): the CRM → ERP pass drops them as echoes, which the line's CRM
  // side leaves out as coupled (`expectedTotal`).
  const sent = await runMapping(t.fx.ctx, t.fx.mapping('CUSTOMER'), {
    only: 'ToIntegrationTable',
    erpIds: created.rows.map((r) => r.id),
    force: true,
  });
  assert.equal(sent[0]?.counters.modified, 2, JSON.stringify(sent));

  // As on the demo after its first `kobling sync full`: `--restart CUSTOMER` expected 7 (every ERP
  // customer) and finished at 5/5, its ERP → CRM pass dropping the two as echoes.
  const restarted = await restartLine(t.deps, t.boss, 'CUSTOMER');
  assert.ok(restarted.ok, restarted.ok ? '' : restarted.error.message);
  const line = restarted.value.line;
  assert.equal(line.erpCount, 5, "the ERP count leaves out the integration's coupled writes");
  assert.equal(line.crmCount, 7);
  assert.equal(line.recommendation, 'CoupleRecords', 'records on both sides, echoes included');
  const total = expectedTotal({ ...line, status: 'Running', total: null, done: 0 });
  assert.equal(total, 5);
  const done = (await settledLines(t.deps)).find((l) => l.mapping === 'CUSTOMER')!;
  assert.equal(done.status, 'Finished', done.message ?? '');
  assert.equal(done.done, total, 'the finished line adds up to the total it showed');
});
