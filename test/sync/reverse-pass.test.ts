import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { retrySet } from '../../src/sync/couplings/coupling-repo.ts';
import { type PassReport, runMapping } from '../../src/sync/engine/run-mapping.ts';
import type { TableMapping, UpdateConflictPolicy } from '../../src/sync/model.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

/**
 * A pass that writes over a change someone made on its destination side since the last
 * synchronization must not make the other pass take that change for the integration's own echo
 * (docs/sync-engine.md, "Reverse pass due"). The customer mapping here has a field flowing only to
 * the CRM (credit limit) and one only to the ERP (phone), so no bidirectional field differs and
 * every policy lets the pass proceed (`ask` writes back bidirectional fields only).
 */

let fx: SyncFixture;
let oneWay: TableMapping;
const policies: readonly UpdateConflictPolicy[] = ['None', 'SendUpdate', 'GetUpdate', 'ask'];
/** One coupled customer per policy: ERP id → CRM id. */
const pairs = new Map<UpdateConflictPolicy, { erpId: string; crmId: string }>();

before(async () => {
  fx = await startSyncFixture();
  const base = fx.mapping('CUSTOMER');
  const field = (erpField: string) => base.fields.find((f) => f.erpField === erpField)!;
  oneWay = {
    ...base,
    syncOnlyCoupled: false,
    fields: [
      field('displayName'),
      field('city'),
      field('creditLimit'),
      { ...field('phoneNumber'), direction: 'FromIntegrationTable' },
      base.fields.find((f) => f.crmField === 'customertypecode')!,
    ],
  };
  await fx.setMapping(oneWay);
  for (const policy of policies) {
    const r = await fx.db.query<{ id: string }>(
      `INSERT INTO erp.customers (number, display_name, city, credit_limit)
       VALUES ($1, $2, 'Oslo', 1000) RETURNING id`,
      [`R-${policy}`, `Reverse ${policy}`],
    );
    pairs.set(policy, { erpId: r.rows[0]!.id, crmId: '' });
  }
  const first = await runMapping(fx.ctx, oneWay);
  assert.equal(first[0]!.counters.inserted, policies.length, JSON.stringify(first));
  const c = await fx.db.query<{ erp_id: string; crm_id: string }>(
    'SELECT erp_id, crm_id FROM integration.couplings WHERE mapping_name = $1',
    ['CUSTOMER'],
  );
  for (const [policy, p] of pairs)
    pairs.set(policy, { ...p, crmId: c.rows.find((r) => r.erp_id === p.erpId)!.crm_id });
});
after(async () => {
  await fx?.close();
});

const withPolicy = async (policy: UpdateConflictPolicy) => {
  const m = { ...oneWay, updateConflict: policy };
  await fx.setMapping(m);
  return m;
};
const erpRow = async (id: string) =>
  (
    await fx.db.query<{ phone_number: string; credit_limit: string; email: string }>(
      'SELECT phone_number, credit_limit::text, email FROM erp.customers WHERE id = $1',
      [id],
    )
  ).rows[0]!;
const account = async (id: string) => {
  const r = await fx.client.retrieve<Record<string, unknown>>('accounts', id);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
};
const salespersonEdits = async (crmId: string, values: Record<string, unknown>) => {
  const r = await fx.user.update('accounts', crmId, values);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
};
const total = (reports: readonly PassReport[]) =>
  reports.reduce(
    (n, r) => n + Object.values(r.counters).reduce((a: number, b: number) => a + b, 0),
    0,
  );
const dueMarks = async () =>
  (
    await fx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM integration.couplings WHERE reverse_due IS NOT NULL',
    )
  ).rows[0]!.n;

/** After a loss-free run: the next one reads nothing (no echo loop) and no mark is left. */
async function settled(m: TableMapping, label: string) {
  assert.equal(await dueMarks(), 0, `${label}: every mark cleared`);
  assert.deepEqual(await retrySet(fx.db, m.name, 'ToIntegrationTable'), []);
  assert.deepEqual(await retrySet(fx.db, m.name, 'FromIntegrationTable'), []);
  const again = await runMapping(fx.ctx, m);
  assert.equal(total(again), 0, `${label}: nothing comes back ${JSON.stringify(again)}`);
}

test('the ERP → CRM pass writes over a CRM change: the CRM → ERP pass still brings it', async () => {
  for (const policy of policies) {
    const m = await withPolicy(policy);
    const { erpId, crmId } = pairs.get(policy)!;
    const limit = 2000 + policies.indexOf(policy);
    await fx.db.query('UPDATE erp.customers SET credit_limit = $1 WHERE id = $2', [limit, erpId]);
    await salespersonEdits(crmId, { telephone1: `+47 ${policy}` });
    const run = await runMapping(fx.ctx, m);
    assert.equal(run[0]!.counters.modified, 1, `${policy}: ${JSON.stringify(run)}`);
    assert.equal(run[1]!.counters.modified, 1, `${policy}: ${JSON.stringify(run)}`);
    assert.equal(Number((await account(crmId)).creditlimit), limit, policy);
    assert.equal((await erpRow(erpId)).phone_number, `+47 ${policy}`, `${policy}: not lost`);
    await settled(m, policy);
  }
});

test('the ERP → CRM pass finds nothing to write but settles a CRM change: it still reaches the ERP', async () => {
  for (const policy of policies) {
    const m = await withPolicy(policy);
    const { erpId, crmId } = pairs.get(policy)!;
    // The ERP change is in no mapped field: the pass marks the coupling synchronized as it is.
    await fx.db.query('UPDATE erp.customers SET email = $1 WHERE id = $2', [
      `${policy}@example.com`,
      erpId,
    ]);
    await salespersonEdits(crmId, { telephone1: `+46 ${policy}` });
    const run = await runMapping(fx.ctx, m);
    assert.equal(run[0]!.counters.unchanged, 1, `${policy}: ${JSON.stringify(run)}`);
    assert.equal((await erpRow(erpId)).phone_number, `+46 ${policy}`, `${policy}: not lost`);
    await settled(m, policy);
  }
});

test('the CRM → ERP pass writes over an ERP change: the next ERP → CRM pass still sends it', async () => {
  for (const policy of policies) {
    const m = await withPolicy(policy);
    const { erpId, crmId } = pairs.get(policy)!;
    const limit = 3000 + policies.indexOf(policy);
    // The ERP changes after the ERP → CRM pass read it: only the CRM → ERP pass sees the record.
    await salespersonEdits(crmId, { telephone1: `+45 ${policy}` });
    await fx.db.query('UPDATE erp.customers SET credit_limit = $1 WHERE id = $2', [limit, erpId]);
    const toErp = await runMapping(fx.ctx, m, { only: 'FromIntegrationTable' });
    assert.equal(toErp[0]!.counters.modified, 1, `${policy}: ${JSON.stringify(toErp)}`);
    assert.equal((await erpRow(erpId)).phone_number, `+45 ${policy}`);
    assert.equal(await dueMarks(), 1, `${policy}: the ERP → CRM pass is due`);
    const next = await runMapping(fx.ctx, m);
    assert.equal(next[0]!.counters.modified, 1, `${policy}: ${JSON.stringify(next)}`);
    assert.equal(Number((await account(crmId)).creditlimit), limit, `${policy}: not lost`);
    await settled(m, policy);
  }
});

test('GetUpdate: the CRM wins a bidirectional field, and the ERP-only field still reaches the CRM', async () => {
  const m = await withPolicy('GetUpdate');
  const { erpId, crmId } = pairs.get('GetUpdate')!;
  await fx.db.query("UPDATE erp.customers SET city = 'Bergen', credit_limit = 4000 WHERE id = $1", [
    erpId,
  ]);
  await salespersonEdits(crmId, { address1_city: 'Tromsø' });
  const run = await runMapping(fx.ctx, m);
  assert.equal(run[0]!.counters.skipped, 1, 'the ERP → CRM pass loses the conflict');
  const erpCity = await fx.db.query<{ city: string }>(
    'SELECT city FROM erp.customers WHERE id = $1',
    [erpId],
  );
  assert.equal(erpCity.rows[0]!.city, 'Tromsø', 'get: the CRM wins');
  const next = await runMapping(fx.ctx, m);
  assert.equal(next[0]!.counters.modified, 1, JSON.stringify(next));
  const a = await account(crmId);
  assert.equal(Number(a.creditlimit), 4000, 'the credit limit is not lost');
  assert.equal(a.address1_city, 'Tromsø');
  await settled(m, 'GetUpdate');
});

test('an ordinary run reads only the couplings marked due, and a failing due record stays in the retry set', async () => {
  const m = await withPolicy('SendUpdate');
  const { erpId, crmId } = pairs.get('SendUpdate')!;
  const quiet = await runMapping(fx.ctx, m);
  assert.equal(total(quiet), 0, 'nothing marked, nothing read');
  // The phone is refused by the ERP (too long), so the due record fails in the CRM → ERP pass.
  await fx.db.query('UPDATE erp.customers SET credit_limit = 5000 WHERE id = $1', [erpId]);
  await salespersonEdits(crmId, { telephone1: 'x'.repeat(40) });
  const run = await runMapping(fx.ctx, m);
  assert.equal(run[1]!.counters.failed, 1, JSON.stringify(run));
  const retry = await retrySet(fx.db, m.name, 'FromIntegrationTable');
  assert.deepEqual(
    retry.map((c) => c.crmId),
    [crmId],
  );
  await salespersonEdits(crmId, { telephone1: '+47 5000' });
  const fixed = await runMapping(fx.ctx, m);
  assert.equal(fixed[1]!.counters.modified, 1, JSON.stringify(fixed));
  assert.equal((await erpRow(erpId)).phone_number, '+47 5000');
  await settled(m, 'retry');
});

test('a due record whose source left the mapping filter loses the mark instead of being read every run', async () => {
  const m = await withPolicy('None');
  const { erpId, crmId } = pairs.get('None')!;
  await fx.db.query('UPDATE erp.customers SET credit_limit = 6000 WHERE id = $1', [erpId]);
  // The salesperson changes the phone and deactivates the account: the CRM → ERP pass's filter
  // (active accounts) leaves it out.
  await salespersonEdits(crmId, { telephone1: '+47 6000', statecode: 1, statuscode: 2 });
  const run = await runMapping(fx.ctx, m);
  assert.equal(run[0]!.counters.modified, 1, JSON.stringify(run));
  assert.equal(run[1]!.counters.modified, 0, 'an inactive account is not synchronized');
  await settled(m, 'out of scope');
  // Active again: a change like any other, and its comparison carries the phone.
  await salespersonEdits(crmId, { statecode: 0, statuscode: 1 });
  const back = await runMapping(fx.ctx, m);
  assert.equal(back[1]!.counters.modified, 1, JSON.stringify(back));
  assert.equal((await erpRow(erpId)).phone_number, '+47 6000');
  await settled(m, 'back in scope');
});
