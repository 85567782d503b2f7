import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { listConflicts } from '../../src/sync/conflicts/conflict-repo.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { couple, findCrmByName } from '../../src/sync/service/couplings.ts';
import { createInCrm, createInErp } from '../../src/sync/service/create-in.ts';
import { synchronizeNow } from '../../src/sync/service/synchronize-now.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

// "No silent success": an action that did nothing for a record says so, with a reason users
// understand, never an empty answer or "synchronized".
let fx: SyncFixture;
let customerId: string;
let blockedId: string;
let accountId: string;

before(async () => {
  fx = await startSyncFixture();
  await fx.db.query(
    `INSERT INTO erp.salespeople (code, display_name, email) VALUES ('AH', 'Annette Hill', 'annette.hill@kobling.example')`,
  );
  const r = await fx.db.query<{ id: string }>(
    `INSERT INTO erp.customers (number, display_name, city, salesperson_code, phone_number)
     VALUES ('C10100', 'Trey Research', 'Oslo', 'AH', '+47 10 00 00 00'),
            ('C10490', 'Blocked Ltd', 'Oslo', 'AH', '') RETURNING id`,
  );
  customerId = r.rows[0]!.id;
  blockedId = r.rows[1]!.id;
  await fx.db.query("UPDATE erp.customers SET blocked = 'All' WHERE id = $1", [blockedId]);
  const ports = { erp: fx.ctx.erp, crm: fx.ctx.crm };
  const user = await findCrmByName(ports, fx.mapping('SALESPEOPLE'), 'Annette Hill');
  assert.ok(user.ok);
  const ah = await fx.db.query<{ id: string }>("SELECT id FROM erp.salespeople WHERE code = 'AH'");
  assert.ok((await couple(fx.db, ports, fx.mapping('SALESPEOPLE'), ah.rows[0]!.id, user.value)).ok);
});
after(async () => {
  await fx?.close();
});

const jobCount = async () =>
  Number(
    (await fx.db.query<{ n: string }>('SELECT count(*) AS n FROM integration.sync_jobs')).rows[0]!
      .n,
  );

test('Create in Dynamics 365 Sales accounts for every id: a blocked customer names the filter condition, an unknown id does not exist; no job is opened for nothing', async () => {
  const jobsBefore = await jobCount();
  const unknown = '00000000-0000-0000-0000-000000000000';
  const report = await createInCrm(fx.ctx, fx.mapping('CUSTOMER'), [blockedId, unknown]);
  assert.deepEqual(report.created, []);
  assert.deepEqual(report.alreadyCoupled, []);
  assert.deepEqual(
    report.failed.map((f) => f.id),
    [blockedId, unknown],
  );
  assert.equal(
    report.failed[0]!.message,
    'Not created: the record is outside the ERP filter of mapping CUSTOMER (blocked = All, the filter needs blocked empty)',
  );
  assert.equal(
    report.failed[1]!.message,
    'Not created: no customers record with this id exists in the ERP',
  );
  assert.deepEqual(report.jobs, []);
  assert.equal(await jobCount(), jobsBefore, 'no synchronization job was opened');
});

test('Create in ERP with a contact id under CUSTOMER says no such account exists', async () => {
  const contact = await fx.client.create('contacts', { lastname: 'Wrong Kind' });
  assert.ok(contact.ok);
  const report = await createInErp(fx.ctx, fx.mapping('CUSTOMER'), [contact.value.id]);
  assert.deepEqual(report.created, []);
  assert.deepEqual(report.failed, [
    {
      id: contact.value.id,
      message: 'Not created: no account with this id exists in Dynamics 365 Sales',
    },
  ]);
});

test('Create in ERP on a mapping that only sends to the CRM refuses every id with the direction, opens no job', async () => {
  const m = fx.mapping('CURRENCY');
  assert.equal(m.direction, 'ToIntegrationTable');
  const currencies = await fx.client.retrieveMultiple<{ transactioncurrencyid: string }>(
    'transactioncurrencies',
    { select: ['transactioncurrencyid'], top: 1 },
  );
  assert.ok(currencies.ok, currencies.ok ? '' : currencies.error.message);
  const existing = currencies.value.value[0]!.transactioncurrencyid;
  const unknown = '00000000-0000-0000-0000-000000000001';
  const jobsBefore = await jobCount();
  const report = await createInErp(fx.ctx, m, [existing, unknown]);
  const message = 'Not created: mapping CURRENCY only sends data to Dynamics 365 Sales';
  assert.deepEqual(report.created, []);
  assert.deepEqual(report.failed, [
    { id: existing, message },
    { id: unknown, message },
  ]);
  assert.equal(await jobCount(), jobsBefore, 'no synchronization job was opened');
});

test('merging a record whose field waits in the conflict inbox says which field, not "synchronized"', async () => {
  const created = await createInCrm(fx.ctx, fx.mapping('CUSTOMER'), [customerId]);
  assert.deepEqual(created.failed, []);
  accountId = created.created[0]!.crmId;
  await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  await fx.db.query(
    "UPDATE erp.customers SET phone_number = '+47 ERP 5', city = 'Bergen' WHERE id = $1",
    [customerId],
  );
  assert.ok((await fx.user.update('accounts', accountId, { telephone1: '+47 CRM 6' })).ok);

  const r = await synchronizeNow(fx.ctx, fx.mapping('CUSTOMER'), [customerId], 'merge');
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const [record] = r.value.records;
  assert.equal(record?.outcome, 'heldInInbox');
  assert.match(record?.message ?? '', /phoneNumber ⇄ telephone1/);
  assert.match(record?.message ?? '', /conflict inbox/);
  assert.equal(r.value.warnings.length, 1);
  assert.match(r.value.warnings[0]!, /phoneNumber ⇄ telephone1/);
  const open = await listConflicts(fx.db, { mapping: 'CUSTOMER', top: 10, skip: 0 });
  assert.deepEqual(
    open.map((c) => [c.erpField, c.erpValue, c.crmValue]),
    [['phoneNumber', '+47 ERP 5', '+47 CRM 6']],
  );
  const account = await fx.client.retrieve<Record<string, unknown>>('accounts', accountId);
  assert.ok(account.ok);
  assert.equal(account.value.address1_city, 'Bergen', 'the rest of the record was merged');
});
