import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { listConflicts } from '../../src/sync/conflicts/conflict-repo.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { ageOutConflicts } from '../../src/sync/service/age-out-conflicts.ts';
import { couple, findCrmByName } from '../../src/sync/service/couplings.ts';
import { createInCrm } from '../../src/sync/service/create-in.ts';
import { resolveConflict } from '../../src/sync/service/resolve-conflicts.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

// The conflict inbox (policy `ask`, the default of a new bidirectional mapping) over real parts:
// the ERP in PostgreSQL, the CRM emulator over HTTP, a salesperson editing accounts in the CRM.
let fx: SyncFixture;
let customerId: string;
let accountId: string;

before(async () => {
  fx = await startSyncFixture();
  await fx.db.query(
    `INSERT INTO erp.salespeople (code, display_name, email) VALUES ('AH', 'Annette Hill', 'annette.hill@kobling.example')`,
  );
  const r = await fx.db.query<{ id: string }>(
    `INSERT INTO erp.customers (number, display_name, city, salesperson_code, phone_number, website)
     VALUES ('C10000', 'Adatum Corporation', 'Oslo', 'AH', '+47 10 00 00 00', 'https://adatum.example') RETURNING id`,
  );
  customerId = r.rows[0]!.id;
  const user = await findCrmByName(
    { erp: fx.ctx.erp, crm: fx.ctx.crm },
    fx.mapping('SALESPEOPLE'),
    'Annette Hill',
  );
  assert.ok(user.ok);
  const ah = await fx.db.query<{ id: string }>("SELECT id FROM erp.salespeople WHERE code = 'AH'");
  const coupled = await couple(
    fx.db,
    { erp: fx.ctx.erp, crm: fx.ctx.crm },
    fx.mapping('SALESPEOPLE'),
    ah.rows[0]!.id,
    user.value,
  );
  assert.ok(coupled.ok);
  const created = await createInCrm(fx.ctx, fx.mapping('CUSTOMER'), [customerId]);
  assert.deepEqual(created.failed, []);
  accountId = created.created[0]!.crmId;
  await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
});
after(async () => {
  await fx?.close();
});

const account = async () => {
  const r = await fx.client.retrieve<Record<string, unknown>>('accounts', accountId);
  assert.ok(r.ok);
  return r.value;
};
const customer = async () =>
  (
    await fx.db.query<{ phone_number: string; city: string; website: string; fax_number: string }>(
      'SELECT phone_number, city, website, fax_number FROM erp.customers WHERE id = $1',
      [customerId],
    )
  ).rows[0]!;
const openEntries = () => listConflicts(fx.db, { mapping: 'CUSTOMER', top: 100, skip: 0 });
const failedOf = (reports: Awaited<ReturnType<typeof runMapping>>) =>
  reports.reduce((n, r) => n + r.counters.failed, 0);

test('a new bidirectional mapping asks: the default policy of CUSTOMER is ask', () => {
  assert.equal(fx.mapping('CUSTOMER').updateConflict, 'ask');
  assert.equal(fx.mapping('ITEM-PRODUCT').updateConflict, 'ask');
  assert.equal(fx.mapping('SALESPEOPLE').updateConflict, 'None', 'one-way mappings do not ask');
});

test('telephone1 changed on both sides waits in the inbox while the other fields sync both ways', async () => {
  await fx.db.query(
    "UPDATE erp.customers SET phone_number = '+47 11 11 11 11', city = 'Bergen' WHERE id = $1",
    [customerId],
  );
  const edited = await fx.user.update('accounts', accountId, {
    telephone1: '+47 22 22 22 22',
    websiteurl: 'https://crm.adatum.example',
  });
  assert.ok(edited.ok);

  const run = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.equal(failedOf(run), 0, JSON.stringify(run));
  assert.ok(
    run.some((r) => /; 1 held in the conflict inbox$/.test(r.message ?? '')),
    `the job that held the record says so: ${run.map((r) => r.message).join(' | ')}`,
  );
  const a = await account();
  const c = await customer();
  assert.equal(a.address1_city, 'Bergen', 'the ERP-only change reached the CRM');
  assert.equal(c.website, 'https://crm.adatum.example', 'the CRM-only change reached the ERP');
  assert.equal(a.telephone1, '+47 22 22 22 22', 'the CRM phone is not overwritten');
  assert.equal(c.phone_number, '+47 11 11 11 11', 'the ERP phone is not overwritten');

  const entries = await openEntries();
  assert.equal(entries.length, 1, JSON.stringify(entries));
  const e = entries[0]!;
  assert.equal(e.erpField, 'phoneNumber');
  assert.equal(e.crmField, 'telephone1');
  assert.equal(e.erpValue, '+47 11 11 11 11');
  assert.equal(e.crmValue, '+47 22 22 22 22');
  assert.equal(e.erpId, customerId);
  assert.equal(e.crmId, accountId);
  assert.equal(e.erpModifiedBy, 'user');
  assert.equal(e.crmModifiedBy, 'Sales app', 'the CRM user who changed it, by name');
  assert.ok(e.erpModifiedAt instanceof Date, String(e.erpModifiedAt));
  assert.ok(e.crmModifiedAt instanceof Date, String(e.crmModifiedAt));

  const quiet = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.equal(failedOf(quiet), 0);
  assert.equal((await openEntries()).length, 1, 'a run with no change adds no entry');
});

test('a later change of the held field updates the open entry, and neither pass writes the field', async () => {
  assert.ok((await fx.user.update('accounts', accountId, { telephone1: '+47 33 33 33 33' })).ok);
  await fx.db.query("UPDATE erp.customers SET fax_number = '+47 99' WHERE id = $1", [customerId]);
  const run = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.equal(failedOf(run), 0, JSON.stringify(run));
  const entries = await openEntries();
  assert.equal(entries.length, 1, 'updated, not duplicated');
  assert.equal(entries[0]!.crmValue, '+47 33 33 33 33');
  assert.equal((await customer()).phone_number, '+47 11 11 11 11');
  assert.equal((await account()).fax, '+47 99', 'the other field still syncs');
});

test('take CRM writes the CRM value to the ERP, clears the entry, and the next run sees no conflict', async () => {
  const [e] = await openEntries();
  const r = await resolveConflict(fx.ctx, e!.id, { take: 'crm' }, 'admin', new Date());
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(r.value.written, ['erp']);
  assert.equal((await customer()).phone_number, '+47 33 33 33 33');
  assert.equal((await account()).telephone1, '+47 33 33 33 33');
  assert.equal((await openEntries()).length, 0);
  const history = await fx.db.query<{ side: string; before: unknown; after: unknown }>(
    'SELECT side, before, after FROM integration.write_history WHERE job_id = $1',
    [r.value.jobId],
  );
  assert.deepEqual(history.rows, [
    {
      side: 'erp',
      before: { phoneNumber: '+47 11 11 11 11' },
      after: { phoneNumber: '+47 33 33 33 33' },
    },
  ]);
  const again = await resolveConflict(fx.ctx, e!.id, { take: 'erp' }, 'admin', new Date());
  assert.equal(again.ok ? 'ok' : again.error.code, 'conflict_not_open');

  const next = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.equal(failedOf(next), 0);
  assert.equal(next[0]!.counters.modified + next[1]!.counters.modified, 0, JSON.stringify(next));
  assert.equal((await openEntries()).length, 0, 'no conflict after resolving');
});

test('a typed value is checked, then written to both sides', async () => {
  await fx.db.query("UPDATE erp.customers SET phone_number = '+47 44' WHERE id = $1", [customerId]);
  assert.ok((await fx.user.update('accounts', accountId, { telephone1: '+47 55' })).ok);
  await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  const [e] = await openEntries();
  assert.ok(e);
  const tooLong = await resolveConflict(
    fx.ctx,
    e.id,
    { take: 'value', value: 'x'.repeat(500) },
    'admin',
    new Date(),
  );
  assert.equal(tooLong.ok ? 'ok' : tooLong.error.code, 'conflict_value_invalid');
  assert.equal((await customer()).phone_number, '+47 44', 'nothing written when refused');
  const typed = await resolveConflict(
    fx.ctx,
    e.id,
    { take: 'value', value: '+47 66' },
    'admin',
    new Date(),
  );
  assert.ok(typed.ok, typed.ok ? '' : typed.error.message);
  assert.deepEqual([...typed.value.written].sort(), ['crm', 'erp']);
  assert.equal((await customer()).phone_number, '+47 66');
  assert.equal((await account()).telephone1, '+47 66');
});

test('a CRM → ERP pass on its own splits the same way, writing the ERP-only change to the CRM', async () => {
  await fx.db.query("UPDATE erp.customers SET city = 'Hamar' WHERE id = $1", [customerId]);
  assert.ok(
    (await fx.user.update('accounts', accountId, { websiteurl: 'https://hamar.example' })).ok,
  );
  const run = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), { only: 'FromIntegrationTable' });
  assert.equal(failedOf(run), 0, JSON.stringify(run));
  assert.equal((await customer()).website, 'https://hamar.example');
  assert.equal(
    (await account()).address1_city,
    'Hamar',
    'written back to the CRM by the same pass',
  );
  assert.equal((await openEntries()).length, 0);
  const next = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.equal(next[0]!.counters.modified + next[1]!.counters.modified, 0, JSON.stringify(next));
});

test("an entry closes by itself when one side takes the other side's value", async () => {
  await fx.db.query("UPDATE erp.customers SET phone_number = '+47 A' WHERE id = $1", [customerId]);
  assert.ok((await fx.user.update('accounts', accountId, { telephone1: '+47 B' })).ok);
  await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.equal((await openEntries()).length, 1);
  assert.ok((await fx.user.update('accounts', accountId, { telephone1: '+47 A' })).ok);
  const run = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.equal(failedOf(run), 0);
  assert.equal((await openEntries()).length, 0, 'both sides agree: nothing left to ask');
  const closed = await fx.db.query<{ state: string; resolved_by: string }>(
    'SELECT state, resolved_by FROM integration.conflicts WHERE erp_value = \'"+47 A"\'::jsonb',
  );
  assert.deepEqual(closed.rows, [{ state: 'resolved', resolved_by: 'both sides agree' }]);
});

test('an entry left open past the mapping expiry ages out to a skipped failed record', async () => {
  await fx.db.query("UPDATE erp.customers SET phone_number = '+47 77' WHERE id = $1", [customerId]);
  assert.ok((await fx.user.update('accounts', accountId, { telephone1: '+47 88' })).ok);
  await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.equal((await openEntries()).length, 1);
  assert.equal(await ageOutConflicts(fx.db, new Date(Date.now() + 6 * 86_400_000)), 0);
  assert.equal(await ageOutConflicts(fx.db, new Date(Date.now() + 8 * 86_400_000)), 1);
  assert.equal((await openEntries()).length, 0, 'it left the inbox');
  const err = await fx.db.query<{ message: string; erp_id: string }>(
    "SELECT message, erp_id FROM integration.sync_errors WHERE message LIKE '%not resolved in time%'",
  );
  assert.equal(err.rows.length, 1);
  assert.equal(err.rows[0]!.erp_id, customerId);
  const coupling = await fx.db.query<{ skipped: boolean }>(
    'SELECT skipped FROM integration.couplings WHERE erp_id = $1',
    [customerId],
  );
  assert.equal(coupling.rows[0]!.skipped, true);
  await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.equal((await customer()).phone_number, '+47 77', 'no side wins by default');
  assert.equal((await account()).telephone1, '+47 88');
});
