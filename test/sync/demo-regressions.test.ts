import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { saveConnection } from '../../src/integration/connection-service.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { listMappings } from '../../src/sync/mappings/mapping-repo.ts';
import { couple, findCrmByName } from '../../src/sync/service/couplings.ts';
import { createInCrm, createInErp } from '../../src/sync/service/create-in.ts';
import { synchronizeNow } from '../../src/sync/service/synchronize-now.ts';
import { testConfig } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

/** Defects found running the demo as a user: CONTACT, salespeople, synchronize now, switches. */

let fx: SyncFixture;
let customerId: string;
let personId: string;
let accountId: string;

before(async () => {
  fx = await startSyncFixture();
  await fx.db.query(
    `INSERT INTO erp.salespeople (code, display_name) VALUES ('JO', 'Jim Olive'), ('XX', 'Nobody Known')`,
  );
  customerId = (
    await fx.db.query<{ id: string }>(
      `INSERT INTO erp.customers (number, display_name, salesperson_code) VALUES ('C10000', 'Adatum Corporation', 'JO') RETURNING id`,
    )
  ).rows[0]!.id;
  // A company contact with the business relation to the customer, and a person of that company.
  await fx.db.query(
    `INSERT INTO erp.contacts (number, type, display_name, customer_number) VALUES ('CT000100', 'Company', 'Adatum Corporation', 'C10000')`,
  );
  personId = (
    await fx.db.query<{ id: string }>(
      `INSERT INTO erp.contacts (number, type, display_name, first_name, surname, company_number, email)
       VALUES ('CT000100-1', 'Person', 'Anna Berg', 'Anna', 'Berg', 'CT000100', 'anna@adatum.example') RETURNING id`,
    )
  ).rows[0]!.id;
  const jo = await fx.db.query<{ id: string }>("SELECT id FROM erp.salespeople WHERE code = 'JO'");
  const user = await findCrmByName(ports(), fx.mapping('SALESPEOPLE'), 'Jim Olive');
  assert.ok(user.ok);
  assert.ok(
    (await couple(fx.db, ports(), fx.mapping('SALESPEOPLE'), jo.rows[0]!.id, user.value)).ok,
  );
  const created = await createInCrm(fx.ctx, fx.mapping('CUSTOMER'), [customerId]);
  assert.deepEqual(created.failed, []);
  accountId = created.created[0]!.crmId;
});
after(async () => {
  await fx?.close();
});

const ports = () => ({ erp: fx.ctx.erp, crm: fx.ctx.crm });

test('CONTACT: an ERP person becomes a CRM contact under the account of its company’s customer', async () => {
  const r = await createInCrm(fx.ctx, fx.mapping('CONTACT'), [personId]);
  assert.deepEqual(r.failed, []);
  const contact = await fx.client.retrieve<Record<string, unknown>>(
    'contacts',
    r.created[0]!.crmId,
  );
  assert.ok(contact.ok);
  assert.equal(contact.value._parentcustomerid_value, accountId);
  assert.equal(contact.value.fullname, 'Anna Berg');
});

test('CONTACT: a CRM contact under a coupled account becomes an ERP person of its company, named from its parts', async () => {
  const made = await fx.user.create('contacts', {
    firstname: 'Per',
    lastname: 'Olsen',
    'parentcustomerid_account@odata.bind': `/accounts(${accountId})`,
  });
  assert.ok(made.ok, made.ok ? '' : made.error.message);
  const r = await createInErp(fx.ctx, fx.mapping('CONTACT'), [made.value.id]);
  assert.deepEqual(r.failed, []);
  const erp = await fx.db.query(
    'SELECT type, display_name, company_number FROM erp.contacts WHERE id = $1',
    [r.created[0]!.erpId],
  );
  assert.deepEqual(erp.rows[0], {
    type: 'Person',
    display_name: 'Per Olsen',
    company_number: 'CT000100',
  });
});

test('an account created in the ERP gets its company contact, so its contacts have a company', async () => {
  const account = await fx.user.create('accounts', {
    name: 'Bellows College',
    customertypecode: 3,
  });
  assert.ok(account.ok);
  const r = await createInErp(fx.ctx, fx.mapping('CUSTOMER'), [account.value.id]);
  assert.deepEqual(r.failed, []);
  const company = await fx.db.query<{ type: string; display_name: string }>(
    `SELECT k.type, k.display_name FROM erp.contacts k JOIN erp.customers c ON c.number = k.customer_number
      WHERE c.id = $1`,
    [r.created[0]!.erpId],
  );
  assert.deepEqual(company.rows, [{ type: 'Company', display_name: 'Bellows College' }]);
});

test('Set up coupling with "get" on a CRM user outside the SALESPEOPLE filter says so instead of "synchronized"', async () => {
  const xx = await fx.db.query<{ id: string }>("SELECT id FROM erp.salespeople WHERE code = 'XX'");
  const system = await findCrmByName(ports(), fx.mapping('SALESPEOPLE'), 'SYSTEM');
  assert.ok(system.ok);
  assert.ok(
    (await couple(fx.db, ports(), fx.mapping('SALESPEOPLE'), xx.rows[0]!.id, system.value)).ok,
  );
  const r = await synchronizeNow(fx.ctx, fx.mapping('SALESPEOPLE'), [xx.rows[0]!.id], 'get', true);
  assert.ok(r.ok);
  assert.equal(r.value.records[0]!.outcome, 'skipped');
  assert.match(r.value.records[0]!.message!, /outside the CRM filter of mapping SALESPEOPLE/);
  assert.equal(r.value.jobs.length, 0, 'nothing ran');
});

test('Synchronize now: merge is refused when both sides changed a bidirectional field; the overwrite warning names only user fields', async () => {
  // Under BC's rule None; the default of a new bidirectional mapping (ask) merges, see below.
  const asks = fx.mapping('CUSTOMER');
  await fx.setMapping({ ...asks, updateConflict: 'None' });
  await fx.db.query("UPDATE erp.customers SET display_name = 'Adatum (ERP)' WHERE id = $1", [
    customerId,
  ]);
  assert.ok((await fx.user.update('accounts', accountId, { name: 'Adatum (CRM)' })).ok);
  const merge = await synchronizeNow(fx.ctx, fx.mapping('CUSTOMER'), [customerId], 'merge');
  assert.ok(merge.ok);
  assert.equal(merge.value.records[0]!.outcome, 'chooseDirection');
  assert.match(merge.value.records[0]!.message!, /displayName ⇄ name differs/);
  const send = await synchronizeNow(fx.ctx, fx.mapping('CUSTOMER'), [customerId], 'send');
  assert.ok(send.ok);
  assert.equal(send.value.records[0]!.outcome, 'needsConfirmation');
  assert.match(send.value.records[0]!.message!, /\(name\)$/, 'no owneridtype, no constants');

  // Under ask the merge goes ahead and holds the name in the conflict inbox.
  await fx.setMapping(asks);
  const asked = await synchronizeNow(fx.ctx, fx.mapping('CUSTOMER'), [customerId], 'merge');
  assert.ok(asked.ok);
  assert.equal(asked.value.records[0]!.outcome, 'heldInInbox', JSON.stringify(asked.value));
  assert.match(
    asked.value.records[0]!.message!,
    /^displayName ⇄ name changed on both sides and waits in the conflict inbox; /,
  );
  const held = await fx.db.query<{ erp_value: string; crm_value: string }>(
    "SELECT erp_value, crm_value FROM integration.conflicts WHERE state = 'open' AND erp_field = 'displayName'",
  );
  assert.deepEqual(held.rows, [{ erp_value: 'Adatum (ERP)', crm_value: 'Adatum (CRM)' }]);
});

test('changing the ownership model or the sales-order switch reshapes the mappings at once', async () => {
  const deps = {
    db: fx.db,
    config: testConfig({ KOBLING_SECRET_KEY: 'e'.repeat(40) }),
    logger: createLogger('silent'),
  };
  await saveConnection(deps, { ownershipModel: 'Team', salesOrderIntegration: false });
  let names = (await listMappings(fx.db)).map((m) => m.name);
  assert.ok(!names.includes('SALESPEOPLE'));
  assert.ok(!names.includes('SALESORDER-ORDER'));
  const customer = (await listMappings(fx.db)).find((m) => m.name === 'CUSTOMER')!;
  assert.ok(!customer.fields.some((f) => f.crmField === 'ownerid'));
  assert.ok(!customer.dependencyFilter.includes('SALESPEOPLE'));
  await saveConnection(deps, { ownershipModel: 'Person', salesOrderIntegration: true });
  names = (await listMappings(fx.db)).map((m) => m.name);
  assert.ok(names.includes('SALESPEOPLE') && names.includes('SALESORDER-ORDER'));
  const back = (await listMappings(fx.db)).find((m) => m.name === 'CUSTOMER')!;
  assert.ok(back.fields.some((f) => f.crmField === 'ownerid' && f.notNull));
  assert.match(back.dependencyFilter, /^SALESPEOPLE\|/);
});
