import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { createInCrm } from '../../src/sync/service/create-in.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

let fx: SyncFixture;
before(async () => {
  fx = await startSyncFixture();
  await fx.db.query(
    `INSERT INTO erp.payment_terms (code, display_name, due_date_calculation) VALUES ('NET 30', 'Net 30 days', '30D'), ('14 DAYS', '14 days', '14D')`,
  );
});
after(async () => {
  await fx?.close();
});

test('payment terms couple with the account option set by label, and missing values are added to it', async () => {
  const first = await runMapping(fx.ctx, fx.mapping('PAYMENT TERMS'));
  assert.equal(first.length, 1);
  assert.equal(first[0]!.counters.coupled, 1, 'NET 30 matches the existing "Net 30" option');
  assert.equal(first[0]!.counters.inserted, 1, '14 DAYS is added to the option set');
  const options = await fx.ctx.crm.optionSet('account', 'paymenttermscode');
  assert.ok(options.ok);
  const added = options.value.find((o) => o.label === '14 DAYS');
  assert.ok(added && added.value >= 100_000_000);
  const again = await runMapping(fx.ctx, fx.mapping('PAYMENT TERMS'));
  assert.equal(again[0]!.counters.unchanged, 2);
  assert.equal(again[0]!.counters.inserted, 0, 'nothing is added twice');

  const c = await fx.db.query<{ id: string }>(
    `INSERT INTO erp.customers (number, display_name, payment_terms_code) VALUES ('P1', 'Terms customer', '14 DAYS') RETURNING id`,
  );
  const created = await createInCrm(fx.ctx, fx.mapping('CUSTOMER'), [c.rows[0]!.id]);
  assert.deepEqual(created.failed, []);
  const account = await fx.client.retrieve<{ paymenttermscode: number }>(
    'accounts',
    created.created[0]!.crmId,
  );
  assert.ok(account.ok);
  assert.equal(account.value.paymenttermscode, added.value);

  assert.ok(
    (await fx.user.update('accounts', created.created[0]!.crmId, { paymenttermscode: 1 })).ok,
  );
  const back = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), { only: 'FromIntegrationTable' });
  assert.equal(back[0]!.counters.modified, 1);
  const erp = await fx.db.query<{ payment_terms_code: string }>(
    'SELECT payment_terms_code FROM erp.customers WHERE id = $1',
    [c.rows[0]!.id],
  );
  assert.equal(
    erp.rows[0]!.payment_terms_code,
    'NET 30',
    'the option value translates back to the ERP code',
  );
});
