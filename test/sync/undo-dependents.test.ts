import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { withMappingLock } from '../../src/integration/mapping-lock.ts';
import { undoJobLocked } from '../../src/integration/undo-service.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { previewUndo } from '../../src/sync/undo/undo-job.ts';
import { spawnKobling } from '../helpers/cli.ts';
import { callJson, signIn, startTestServer, testConfig } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

/**
 * Undoing a job whose records other mappings' records refer to (docs/sync-engine.md, "Undo a job",
 * dependents): the CUSTOMER job that created 5 accounts, the CONTACT job that created 8 contacts
 * under them, and a contact a salesperson made under one of them.
 */

let fx: SyncFixture;
let customerJob: string;
let contactJob: string;
let accountIds: string[];
let contactIds: string[];
/** The contact a salesperson made under the first account (no job created it). */
let userContact: string;
const KEY = 'k'.repeat(40);

before(async () => {
  fx = await startSyncFixture();
  await fx.db.query(
    `INSERT INTO erp.customers (number, display_name)
     SELECT 'D' || n, 'Dependent Customer ' || n FROM generate_series(1, 5) AS n`,
  );
  // Each customer's company contact, and 8 persons of those companies (2, 2, 2, 1, 1).
  await fx.db.query(
    `INSERT INTO erp.contacts (number, type, display_name, customer_number)
     SELECT 'DK' || n, 'Company', 'Dependent Customer ' || n, 'D' || n FROM generate_series(1, 5) AS n`,
  );
  await fx.db.query(
    `INSERT INTO erp.contacts (number, type, display_name, first_name, surname, company_number)
     SELECT 'DP' || n, 'Person', 'Person ' || n, 'Person', 'No ' || n, 'DK' || (1 + (n - 1) % 5)
       FROM generate_series(1, 8) AS n`,
  );
  const customers = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), {
    only: 'ToIntegrationTable',
    ignoreOnlyCoupled: true,
  });
  assert.equal(customers[0]!.counters.inserted, 5, customers[0]!.message);
  customerJob = customers[0]!.jobId;
  const contacts = await runMapping(fx.ctx, fx.mapping('CONTACT'), {
    only: 'ToIntegrationTable',
    ignoreOnlyCoupled: true,
  });
  assert.equal(contacts[0]!.counters.inserted, 8, contacts[0]!.message);
  contactJob = contacts[0]!.jobId;
  accountIds = await crmIds('CUSTOMER');
  contactIds = await crmIds('CONTACT');
  const made = await fx.user.create('contacts', {
    firstname: 'Walk',
    lastname: 'In',
    'parentcustomerid_account@odata.bind': `/accounts(${accountIds[0]})`,
  });
  assert.ok(made.ok, made.ok ? '' : made.error.message);
  userContact = made.value.id;
});
after(async () => {
  await fx?.close();
});

async function crmIds(mapping: string): Promise<string[]> {
  const r = await fx.db.query<{ crm_id: string }>(
    'SELECT crm_id FROM integration.couplings WHERE mapping_name = $1 ORDER BY crm_id',
    [mapping],
  );
  return r.rows.map((x) => x.crm_id);
}

async function existing(entity: string, ids: readonly string[]): Promise<number> {
  const r = await fx.ctx.crm.get(entity, ids);
  assert.ok(r.ok);
  return r.value.size;
}

test("a job's creates share one write history row (migration sync 045); the view has one row per record", async () => {
  const rows = await fx.db.query<{ record_id: string | null; n: number }>(
    'SELECT record_id, cardinality(record_ids) AS n FROM integration.write_history WHERE job_id = $1',
    [customerJob],
  );
  assert.deepEqual(rows.rows, [{ record_id: null, n: 5 }]);
  const records = await fx.db.query<{ record_id: string; action: string }>(
    'SELECT record_id, action FROM integration.write_history_records WHERE job_id = $1 ORDER BY id, position',
    [customerJob],
  );
  assert.deepEqual(records.rows.map((r) => r.record_id).sort(), [...accountIds].sort());
  assert.ok(records.rows.every((r) => r.action === 'insert'));
});

test('the preview lists the contacts that refer to the accounts the undo would delete; the undo is refused and writes nothing', async () => {
  const preview = await previewUndo(fx.ctx, customerJob);
  assert.ok(preview.ok, preview.ok ? '' : preview.error.message);
  const r = preview.value;
  assert.equal(r.counters.deleted, 5, 'it would still delete the 5 accounts');
  assert.equal(r.dependents.length, 9);
  const byJob = r.dependents.filter((d) => d.createdBy === contactJob);
  assert.deepEqual(byJob.map((d) => d.recordId).sort(), contactIds);
  assert.ok(
    byJob.every((d) => d.coupled && d.mapping === 'CONTACT' && d.field === 'parentcustomerid'),
  );
  assert.ok(byJob.every((d) => accountIds.includes(d.parentId)));
  const walkIn = r.dependents.find((d) => d.createdBy === null);
  assert.deepEqual(walkIn && [walkIn.recordId, walkIn.name, walkIn.coupled, walkIn.parentId], [
    userContact,
    'Walk In',
    false,
    accountIds[0],
  ]);
  assert.equal(r.refusal?.code, 'undo_has_dependents');
  assert.match(r.message, /refused: 9 records of other mappings/);

  const undone = await undoJobLocked(fx.db, fx.ctx, customerJob);
  assert.ok(!undone.ok);
  assert.equal(undone.error.code, 'undo_has_dependents');
  assert.match(
    undone.error.message,
    new RegExp(
      `8 contacts created by job ${contactJob} refer to accounts this undo would delete; undo job ${contactJob} first`,
    ),
  );
  assert.match(
    undone.error.message,
    /1 contact that no synchronization job created refers to accounts this undo would delete; delete it or point it at other accounts first/,
  );
  assert.equal(await existing('account', accountIds), 5, 'no account was deleted');
  assert.equal(await existing('contact', [...contactIds, userContact]), 9);
  const undoJobs = await fx.db.query("SELECT 1 FROM integration.sync_jobs WHERE type = 'Undo'");
  assert.equal(undoJobs.rowCount, 0, 'no undo job was opened');

  // A CONTACT run could create contacts under the accounts between the check and the deletes:
  // the undo holds CONTACT's lock too, and waits for a run that holds it.
  const held = await withMappingLock(
    fx.db,
    'CONTACT',
    () => undoJobLocked(fx.db, fx.ctx, customerJob, 300),
    { waitMs: 0 },
  );
  assert.ok(held.ok);
  assert.ok(!held.value.ok);
  assert.equal(held.value.error.code, 'mapping_busy');
  assert.match(held.value.error.message, /Mapping CONTACT is being synchronized/);
});

test('CLI: the preview prints the referring contacts and the refusal; the undo exits 1 with undo_has_dependents', async () => {
  await fx.connect(testConfig({ KOBLING_SECRET_KEY: KEY }));
  const env = { DATABASE_URL: fx.db.url, KOBLING_SECRET_KEY: KEY };
  const preview = spawnKobling(['jobs', 'undo', customerJob, '--preview'], env);
  assert.equal(await preview.exited(), 0, preview.output());
  assert.match(
    preview.output(),
    new RegExp(
      `refers +crm contact Person No 1 \\(CONTACT, coupled\\) → (?:${accountIds.join('|')}): created by job ${contactJob}`,
    ),
  );
  assert.match(preview.output(), /refers +crm contact Walk In \(CONTACT\) → .*created by no job/);
  assert.match(preview.output(), /Refused \[undo_has_dependents\]: Job .* cannot be undone yet/);
  const undo = spawnKobling(['jobs', 'undo', customerJob], env);
  assert.equal(await undo.exited(), 1, undo.output());
  assert.match(undo.output(), /error \[undo_has_dependents\]/);
  assert.match(undo.output(), new RegExp(`undo job ${contactJob} first`));
  assert.equal(await existing('account', accountIds), 5);
});

test('web: the undo page lists the referring contacts, says why not and offers no Undo button', async () => {
  const server = await startTestServer(fx.db, undefined, { KOBLING_SECRET_KEY: KEY });
  try {
    await server.tokenFor('admin', 'dependents-admin');
    const { page } = await signIn(server, 'dependents-admin');
    const { status, html } = await page(`/integration/log/${customerJob}/undo`);
    assert.equal(status, 200, html);
    assert.match(html, /Records that refer to records it would delete/);
    assert.match(html, /contact Person No 1/);
    assert.match(html, new RegExp(`undo job ${contactJob} first`));
    assert.doesNotMatch(html, /Undo the job/, 'no button for an undo that would be refused');
  } finally {
    await server.close();
  }
});

test('API: undoing the contacts job first, then (the walk-in contact deleted) the customers job works', async () => {
  const server = await startTestServer(fx.db, undefined, { KOBLING_SECRET_KEY: KEY });
  try {
    const admin = await server.tokenFor('admin');
    const call = (path: string) =>
      callJson(`${server.baseUrl}/api/integration/v1${path}`, 'POST', admin);
    const refused = await call(`/jobs/${customerJob}/undo`);
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.json.error.code, 'undo_has_dependents');

    const children = await call(`/jobs/${contactJob}/undo`);
    assert.equal(children.status, 200, children.text);
    assert.equal(children.json.counters.deleted, 8);
    assert.deepEqual(children.json.dependents, []);
    assert.equal(await existing('contact', contactIds), 0);

    // The salesperson's contact still refers to an account: still refused, now for it alone.
    const preview = await call(`/jobs/${customerJob}/undo/preview`);
    assert.equal(preview.status, 200, preview.text);
    assert.deepEqual(
      preview.json.dependents.map((d: { recordId: string }) => d.recordId),
      [userContact],
    );
    const still = await call(`/jobs/${customerJob}/undo`);
    assert.equal(still.status, 409, still.text);
    assert.doesNotMatch(still.json.error.message, /created by job/);

    assert.ok((await fx.user.delete('contacts', userContact)).ok);
    const parents = await call(`/jobs/${customerJob}/undo`);
    assert.equal(parents.status, 200, parents.text);
    assert.equal(parents.json.counters.deleted, 5);
    assert.equal(parents.json.refusal, null);
    assert.equal(await existing('account', accountIds), 0);
  } finally {
    await server.close();
  }
});

test('CRM emulator: deleting an account deletes its contacts and their contacts (Dataverse cascades contact_customer_accounts)', async () => {
  const account = await fx.user.create('accounts', { name: 'Cascade Ltd' });
  assert.ok(account.ok);
  const child = await fx.user.create('contacts', {
    lastname: 'Child',
    'parentcustomerid_account@odata.bind': `/accounts(${account.value.id})`,
  });
  assert.ok(child.ok);
  const grandchild = await fx.user.create('contacts', {
    lastname: 'Grandchild',
    'parentcustomerid_contact@odata.bind': `/contacts(${child.value.id})`,
  });
  assert.ok(grandchild.ok);
  const other = await fx.user.create('contacts', { lastname: 'Elsewhere' });
  assert.ok(other.ok);
  assert.ok((await fx.user.delete('accounts', account.value.id)).ok);
  assert.equal(await existing('contact', [child.value.id, grandchild.value.id]), 0);
  assert.equal(await existing('contact', [other.value.id]), 1, 'other contacts stay');
});

test('ERP side: the undo of a CRM → ERP job that created a customer lists the ERP persons of its company and is refused', async () => {
  const account = await fx.user.create('accounts', { name: 'Erp Side Ltd', customertypecode: 3 });
  assert.ok(account.ok);
  const run = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), {
    only: 'FromIntegrationTable',
    ignoreOnlyCoupled: true,
  });
  assert.equal(run[0]!.counters.inserted, 1, run[0]!.message);
  const customer = await fx.db.query<{ id: string; number: string }>(
    `SELECT k.id, k.number FROM integration.couplings c JOIN erp.customers k ON k.id = c.erp_id
      WHERE c.crm_id = $1`,
    [account.value.id],
  );
  const { id, number } = customer.rows[0]!;
  // The ERP made the customer's company contact; a user adds a person of that company.
  const company = await fx.db.query<{ number: string }>(
    `SELECT number FROM erp.contacts WHERE customer_number = $1 AND type = 'Company'`,
    [number],
  );
  assert.equal(company.rowCount, 1);
  const person = await fx.db.query<{ id: string }>(
    `INSERT INTO erp.contacts (number, type, display_name, first_name, surname, company_number)
     VALUES ('EP1', 'Person', 'Eva Side', 'Eva', 'Side', $1) RETURNING id`,
    [company.rows[0]!.number],
  );
  const preview = await previewUndo(fx.ctx, run[0]!.jobId);
  assert.ok(preview.ok, preview.ok ? '' : preview.error.message);
  assert.deepEqual(
    preview.value.dependents.map((d) => [d.side, d.mapping, d.recordId, d.field, d.parentId]),
    [['erp', 'CONTACT', person.rows[0]!.id, 'companyNumber', id]],
  );
  const undone = await undoJobLocked(fx.db, fx.ctx, run[0]!.jobId);
  assert.ok(!undone.ok);
  assert.equal(undone.error.code, 'undo_has_dependents');
  assert.match(
    undone.error.message,
    /1 contact that no synchronization job created refers to customers this undo would delete/,
  );
  const still = await fx.db.query('SELECT 1 FROM erp.customers WHERE id = $1', [id]);
  assert.equal(still.rowCount, 1, 'the customer is still there');
});
