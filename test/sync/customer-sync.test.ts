import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { undoJobLocked } from '../../src/integration/undo-service.ts';
import { restoreSkipped } from '../../src/sync/couplings/coupling-repo.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { couple, findCrmByName } from '../../src/sync/service/couplings.ts';
import { createInCrm, createInErp } from '../../src/sync/service/create-in.ts';
import { synchronizeNow } from '../../src/sync/service/synchronize-now.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

let fx: SyncFixture;
let customerId: string;
let accountId: string;

before(async () => {
  fx = await startSyncFixture();
  await fx.db.query(
    `INSERT INTO erp.salespeople (code, display_name, email) VALUES ('AH', 'Annette Hill', 'annette.hill@kobling.example'), ('JO', 'Jim Olive', '')`,
  );
  const r = await fx.db.query<{ id: string }>(
    `INSERT INTO erp.customers (number, display_name, city, salesperson_code, email)
     VALUES ('C10000', 'Adatum Corporation', 'Oslo', 'AH', 'info@adatum.example') RETURNING id`,
  );
  customerId = r.rows[0]!.id;
});
after(async () => {
  await fx?.close();
});

const ports = () => ({ erp: fx.ctx.erp, crm: fx.ctx.crm });
const account = async (id: string) => {
  const r = await fx.client.retrieve<Record<string, unknown>>('accounts', id);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
};
const erpCustomer = async (id: string) =>
  (
    await fx.db.query<{ display_name: string; city: string; salesperson_code: string | null }>(
      'SELECT * FROM erp.customers WHERE id = $1',
      [id],
    )
  ).rows[0]!;

test('a customer couples only after its salesperson is coupled with a CRM user', async () => {
  const customer = fx.mapping('CUSTOMER');
  const other = await fx.client.create('accounts', { name: 'Some account', customertypecode: 3 });
  assert.ok(other.ok);
  const refused = await couple(fx.db, ports(), customer, customerId, other.value.id);
  assert.equal(refused.ok, false);
  if (!refused.ok) {
    assert.equal(refused.error.code, 'dependency_not_coupled');
    assert.match(refused.error.message, /salespeople 'AH' \(mapping SALESPEOPLE\)/);
  }
  const salespeople = fx.mapping('SALESPEOPLE');
  const user = await findCrmByName(ports(), salespeople, 'Annette Hill');
  assert.ok(user.ok, user.ok ? '' : user.error.message);
  const ah = await fx.db.query<{ id: string }>("SELECT id FROM erp.salespeople WHERE code = 'AH'");
  const coupled = await couple(fx.db, ports(), salespeople, ah.rows[0]!.id, user.value);
  assert.ok(coupled.ok, coupled.ok ? '' : coupled.error.message);
});

test('"Create account in Dynamics 365 Sales" creates and couples the account, owned by the salesperson\'s user', async () => {
  const report = await createInCrm(fx.ctx, fx.mapping('CUSTOMER'), [customerId]);
  assert.deepEqual(report.failed, []);
  assert.equal(report.created.length, 1);
  accountId = report.created[0]!.crmId;
  const a = await account(accountId);
  assert.equal(a.name, 'Adatum Corporation');
  assert.equal(a.address1_city, 'Oslo');
  assert.equal(a.emailaddress1, 'info@adatum.example');
  const annette = await findCrmByName(ports(), fx.mapping('SALESPEOPLE'), 'Annette Hill');
  assert.ok(annette.ok);
  assert.equal(a._ownerid_value, annette.value);
  const base = await fx.ctx.crm.baseCurrencyId();
  assert.ok(base.ok && base.value);
  assert.equal(
    a._transactioncurrencyid_value,
    base.value,
    "the ERP's local currency is the CRM base currency",
  );
  const again = await createInCrm(fx.ctx, fx.mapping('CUSTOMER'), [customerId]);
  assert.deepEqual(
    again.alreadyCoupled,
    [customerId],
    'a coupled record is skipped, not duplicated',
  );
});

test('"Create customer" from an account creates and couples an ERP customer', async () => {
  const created = await fx.user.create('accounts', {
    name: 'Fabrikam Inc.',
    address1_city: 'Bergen',
    customertypecode: 3,
  });
  assert.ok(created.ok);
  const report = await createInErp(fx.ctx, fx.mapping('CUSTOMER'), [created.value.id]);
  assert.deepEqual(report.failed, []);
  assert.equal(report.created.length, 1);
  const c = await erpCustomer(report.created[0]!.erpId);
  assert.equal(c.display_name, 'Fabrikam Inc.');
  assert.equal(c.city, 'Bergen');
});

test('edits on either side reach the other with the scheduled run, and our own writes do not echo back', async () => {
  const customer = fx.mapping('CUSTOMER');
  await runMapping(fx.ctx, customer); // settle everything so far
  await fx.db.query("UPDATE erp.customers SET city = 'Trondheim' WHERE id = $1", [customerId]);
  const run1 = await runMapping(fx.ctx, customer);
  const [toCrm, toErp] = run1;
  assert.equal(toCrm!.counters.modified, 1);
  assert.equal(
    toErp!.counters.modified,
    0,
    'the CRM change we just wrote is not a change to bring back',
  );
  assert.equal((await account(accountId)).address1_city, 'Trondheim');

  const edited = await fx.user.update('accounts', accountId, { telephone1: '+47 22 00 00 00' });
  assert.ok(edited.ok);
  const run2 = await runMapping(fx.ctx, customer);
  assert.equal(run2[1]!.counters.modified, 1);
  const phone = await fx.db.query<{ phone_number: string }>(
    'SELECT phone_number FROM erp.customers WHERE id = $1',
    [customerId],
  );
  assert.equal(phone.rows[0]!.phone_number, '+47 22 00 00 00');

  const run3 = await runMapping(fx.ctx, customer);
  assert.equal(
    run3[0]!.counters.modified + run3[1]!.counters.modified,
    0,
    'nothing comes back as an echo',
  );
  const jobs = await fx.db.query(
    "SELECT count(*)::int AS n FROM integration.sync_jobs WHERE mapping_name = 'CUSTOMER' AND finished_at IS NOT NULL",
  );
  assert.ok((jobs.rows[0] as { n: number }).n >= 6);
});

test('an emptied lookup is emptied in the CRM: by the ERP, and by the undo of the job that filled it', async () => {
  const customer = fx.mapping('CUSTOMER');
  await runMapping(fx.ctx, customer); // settle everything so far
  const person = await fx.db.query<{ id: string }>(
    `INSERT INTO erp.contacts (number, type, display_name, first_name, surname)
     VALUES ('CT100', 'Person', 'Ola Nordmann', 'Ola', 'Nordmann') RETURNING id`,
  );
  const crmContact = await fx.client.create('contacts', { firstname: 'Ola', lastname: 'Nordmann' });
  assert.ok(crmContact.ok);
  const coupled = await couple(
    fx.db,
    ports(),
    fx.mapping('CONTACT'),
    person.rows[0]!.id,
    crmContact.value.id,
  );
  assert.ok(coupled.ok, coupled.ok ? '' : coupled.error.message);
  const primaryContact = async () => (await account(accountId))._primarycontactid_value;
  const setPrimaryContact = (number: string | null) =>
    fx.db.query('UPDATE erp.customers SET primary_contact_number = $1 WHERE id = $2', [
      number,
      customerId,
    ]);

  await setPrimaryContact('CT100');
  const [filled] = await runMapping(fx.ctx, customer);
  assert.equal(await primaryContact(), crmContact.value.id);
  const undone = await undoJobLocked(fx.db, fx.ctx, filled!.jobId);
  assert.ok(undone.ok, undone.ok ? '' : undone.error.message);
  assert.equal(await primaryContact(), null, 'the undo empties the lookup the job filled');

  await setPrimaryContact('CT100');
  await runMapping(fx.ctx, customer);
  assert.equal(await primaryContact(), crmContact.value.id);
  await setPrimaryContact(null);
  const [toCrm] = await runMapping(fx.ctx, customer);
  assert.equal(toCrm!.counters.modified, 1);
  assert.equal(
    await primaryContact(),
    null,
    'the CRM no longer names a primary contact the ERP removed',
  );
  const [again] = await runMapping(fx.ctx, customer);
  assert.equal(again!.counters.modified, 0, 'nothing left to write: the CRM agrees now');
});

test('update conflicts: policy none fails naming the field pair; send and get resolve it', async () => {
  // The default of a new bidirectional mapping is `ask` (test/sync/conflict-inbox.test.ts).
  const base = { ...fx.mapping('CUSTOMER'), updateConflict: 'None' as const };
  await fx.setMapping(base);
  const bothEdit = async (erpName: string, crmName: string) => {
    await fx.db.query('UPDATE erp.customers SET display_name = $1 WHERE id = $2', [
      erpName,
      customerId,
    ]);
    const r = await fx.user.update('accounts', accountId, { name: crmName });
    assert.ok(r.ok);
  };
  await bothEdit('Adatum (ERP)', 'Adatum (CRM)');
  const none = await runMapping(fx.ctx, base);
  assert.equal(none[0]!.counters.failed, 1, JSON.stringify(none));
  const err = await fx.db.query<{ message: string; erp_id: string; crm_id: string }>(
    'SELECT message, erp_id, crm_id FROM integration.sync_errors WHERE job_id = $1',
    [none[0]!.jobId],
  );
  assert.match(err.rows[0]!.message, /field displayName and column name is bidirectional/);
  assert.equal(err.rows[0]!.erp_id, customerId);
  assert.equal(err.rows[0]!.crm_id, accountId);
  assert.equal(
    (await erpCustomer(customerId)).display_name,
    'Adatum (ERP)',
    'nothing silently lost',
  );
  assert.equal((await account(accountId)).name, 'Adatum (CRM)');

  await fx.setMapping({ ...base, updateConflict: 'SendUpdate' });
  await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.equal((await account(accountId)).name, 'Adatum (ERP)', 'send: the ERP wins');

  await bothEdit('Adatum (ERP 2)', 'Adatum (CRM 2)');
  await fx.setMapping({ ...base, updateConflict: 'GetUpdate' });
  await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.equal((await erpCustomer(customerId)).display_name, 'Adatum (CRM 2)', 'get: the CRM wins');
  assert.equal((await account(accountId)).name, 'Adatum (CRM 2)');
  await fx.setMapping(base);
});

test('Synchronize now: send and get on one record, with an overwrite warning when both changed', async () => {
  const m = fx.mapping('CUSTOMER');
  await fx.db.query("UPDATE erp.customers SET city = 'Stavanger' WHERE id = $1", [customerId]);
  const sent = await synchronizeNow(fx.ctx, m, [customerId], 'send');
  assert.ok(sent.ok);
  assert.equal(sent.value.records[0]!.outcome, 'synchronized');
  assert.equal((await account(accountId)).address1_city, 'Stavanger');

  await fx.db.query("UPDATE erp.customers SET city = 'Bodø' WHERE id = $1", [customerId]);
  assert.ok((await fx.user.update('accounts', accountId, { address1_city: 'Tromsø' })).ok);
  const held = await synchronizeNow(fx.ctx, m, [customerId], 'get');
  assert.ok(held.ok);
  assert.equal(held.value.records[0]!.outcome, 'needsConfirmation');
  assert.match(held.value.warnings[0]!, /will be overwritten/);
  assert.equal(
    (await erpCustomer(customerId)).city,
    'Bodø',
    'nothing written without confirmation',
  );
  const got = await synchronizeNow(fx.ctx, m, [customerId], 'get', true);
  assert.ok(got.ok);
  assert.equal(got.value.records[0]!.outcome, 'synchronized');
  assert.equal((await erpCustomer(customerId)).city, 'Tromsø');
});

test('a record failing twice with the same error is skipped; restore brings it back', async () => {
  const m = fx.mapping('CUSTOMER');
  // JO is not coupled to a CRM user, so the owner lookup fails.
  await fx.db.query("UPDATE erp.customers SET salesperson_code = 'JO' WHERE id = $1", [customerId]);
  const first = await runMapping(fx.ctx, m, { only: 'ToIntegrationTable' });
  assert.equal(first[0]!.counters.failed, 1);
  const second = await runMapping(fx.ctx, m, { only: 'ToIntegrationTable' });
  assert.equal(second[0]!.counters.failed, 1, 'retried from the retry set');
  const c = await fx.db.query<{ id: string; skipped: boolean }>(
    'SELECT id, skipped FROM integration.couplings WHERE erp_id = $1',
    [customerId],
  );
  assert.equal(c.rows[0]!.skipped, true);
  await fx.db.query("UPDATE erp.customers SET city = 'Alta' WHERE id = $1", [customerId]);
  const third = await runMapping(fx.ctx, m, { only: 'ToIntegrationTable' });
  assert.equal(third[0]!.counters.skipped, 1, 'a skipped record is left out');
  assert.equal(await restoreSkipped(fx.db, [c.rows[0]!.id]), 1);
  await fx.db.query("UPDATE erp.customers SET salesperson_code = 'AH' WHERE id = $1", [customerId]);
  const fourth = await runMapping(fx.ctx, m, { only: 'ToIntegrationTable' });
  assert.equal(fourth[0]!.counters.modified, 1);
  assert.equal((await account(accountId)).address1_city, 'Alta');
});

test('deletion conflicts: none fails, restore recreates the CRM record, remove coupling uncouples', async () => {
  const base = fx.mapping('CUSTOMER');
  const r = await fx.db.query<{ id: string }>(
    `INSERT INTO erp.customers (number, display_name, salesperson_code) VALUES ('C30000', 'Litware Inc.', 'AH') RETURNING id`,
  );
  const id = r.rows[0]!.id;
  const created = await createInCrm(fx.ctx, base, [id]);
  const firstAccount = created.created[0]!.crmId;
  assert.ok((await fx.user.delete('accounts', firstAccount)).ok);
  await fx.db.query("UPDATE erp.customers SET city = 'Kyiv' WHERE id = $1", [id]);

  const none = await runMapping(fx.ctx, base, { only: 'ToIntegrationTable' });
  assert.equal(none[0]!.counters.failed, 1, JSON.stringify(none));
  const msg = await fx.db.query<{ message: string }>(
    'SELECT message FROM integration.sync_errors WHERE job_id = $1',
    [none[0]!.jobId],
  );
  assert.match(msg.rows[0]!.message, /coupled to a deleted record/);

  await fx.setMapping({ ...base, deletionConflict: 'RestoreRecords' });
  const restored = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), { only: 'ToIntegrationTable' });
  assert.equal(restored[0]!.counters.inserted, 1);
  const c = await fx.db.query<{ crm_id: string }>(
    'SELECT crm_id FROM integration.couplings WHERE erp_id = $1',
    [id],
  );
  assert.notEqual(c.rows[0]!.crm_id, firstAccount);
  assert.equal((await account(c.rows[0]!.crm_id)).address1_city, 'Kyiv');

  assert.ok((await fx.user.delete('accounts', c.rows[0]!.crm_id)).ok);
  await fx.db.query("UPDATE erp.customers SET city = 'Lviv' WHERE id = $1", [id]);
  await fx.setMapping({ ...base, deletionConflict: 'RemoveCoupling' });
  const removed = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), { only: 'ToIntegrationTable' });
  assert.equal(removed[0]!.counters.uncoupled, 1);
  const none2 = await fx.db.query('SELECT 1 FROM integration.couplings WHERE erp_id = $1', [id]);
  assert.equal(none2.rowCount, 0);
  await fx.setMapping(base);
});

test('a CRM value the ERP refuses fails that record with the ERP validation message; nothing is half written', async () => {
  const m = fx.mapping('CUSTOMER');
  const long = 'X'.repeat(150);
  assert.ok(
    (await fx.user.update('accounts', accountId, { name: long, address1_city: 'Narvik' })).ok,
  );
  const run = await runMapping(fx.ctx, m, { only: 'FromIntegrationTable' });
  assert.equal(run[0]!.counters.failed, 1);
  const e = await fx.db.query<{ message: string }>(
    'SELECT message FROM integration.sync_errors WHERE job_id = $1',
    [run[0]!.jobId],
  );
  assert.match(
    e.rows[0]!.message,
    /Modifying customers failed because of the following error: .*displayName/,
  );
  assert.notEqual((await erpCustomer(customerId)).city, 'Narvik', 'the whole record was refused');
});
