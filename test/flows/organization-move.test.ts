import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readConnection } from '../../src/sync/connection/connection-repo.ts';
import { crmClientFor } from '../helpers/crm-client.ts';
import { connectionSettings, startIntegrationEmulator } from '../helpers/crm-emulator.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { startOutboundFixture } from './outbound-fixture.ts';

/**
 * The outbound flows' setting connected to organization A; organization B is a second emulator
 * over a database of its own (an organization id of its own), reached with the same API.
 */
const t = useFixture(async () => {
  const o = await startOutboundFixture();
  const orgDb = await createMigratedDb('org_b_flows');
  const b = await startIntegrationEmulator(orgDb);
  return {
    ...o,
    b,
    toA: o.fx.connection,
    toB: connectionSettings(b.emulator, b.integration),
    clientB: crmClientFor(b.emulator, b.integration),
    async close() {
      await b.emulator.stop();
      await orgDb.drop();
      await o.close();
    },
  };
});

const INVOICE_JOB = 'POSTEDSALESINV-INV';
const STATS_JOB = 'CUSTOMER STATISTICS';

const jobState = async (name: string) =>
  (
    await t.fx.db.query<{ state: Record<string, unknown> }>(
      'SELECT state FROM integration.recurring_jobs WHERE name = $1',
      [name],
    )
  ).rows[0]!.state;

const jobOrganization = async (id: string) =>
  (
    await t.fx.db.query<{ org: string | null }>(
      'SELECT crm_organization_id AS org FROM integration.sync_jobs WHERE id = $1',
      [id],
    )
  ).rows[0]?.org;

const invoicesNumbered = async (client: typeof t.fx.client, number: unknown) => {
  const r = await client.retrieveMultiple<{ invoiceid: string }>('invoices', {
    filter: `invoicenumber eq '${number}'`,
  });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value.value.length;
};

const moveTo = async (settings: typeof t.toA) => {
  const moved = await t.api('PATCH', '/connection', settings);
  assert.equal(moved.status, 200, moved.text);
  return moved.json.notice as string;
};

test('after a move, a job of the old organization cannot be undone (409 job_of_other_organization); the invoice and statistics cursors are set aside with it, so the new organization gets every posted invoice and the old one, on moving back, those posted meanwhile', async () => {
  const orgA = (await readConnection(t.fx.db)).crmOrganizationId!;
  assert.ok(orgA, 'enabling the connection recorded the organization');
  const customersJob = (
    await t.fx.db.query<{ id: string }>(
      "SELECT id FROM integration.sync_jobs WHERE mapping_name = 'CUSTOMER' ORDER BY started_at DESC LIMIT 1",
    )
  ).rows[0]!.id;
  assert.equal(await jobOrganization(customersJob), orgA, 'a job records the org it ran against');
  const shown = await t.ok('GET', `/jobs/${customersJob}`);
  assert.equal(shown.crmOrganizationId, orgA, 'GET /jobs/{id} names it');

  // In A: an invoice is posted and sent, statistics and payments reported.
  const { invoice: early } = await t.postOrder({
    customerNumber: 'C-EUR',
    salesOrderLines: [{ lineType: 'Item', lineObjectNumber: 'I-1', quantity: 2 }],
  });
  const inA = await t.runJob(INVOICE_JOB);
  assert.equal(inA.created, 1, JSON.stringify(inA));
  await t.runJob(STATS_JOB);
  const stateA = { invoices: await jobState(INVOICE_JOB), stats: await jobState(STATS_JOB) };
  assert.ok(Number(stateA.invoices.invoiceSeq) > 0, JSON.stringify(stateA));
  assert.ok(Number(stateA.stats.activitySeq) > 0, JSON.stringify(stateA));

  // To B.
  assert.match(await moveTo(t.toB), /another Dynamics 365 organization/);
  const orgB = (await readConnection(t.fx.db)).crmOrganizationId!;
  assert.notEqual(orgB, orgA);

  // The customers' job wrote A's accounts: its undo would act on B by A's ids. Refused whole.
  for (const path of [`/jobs/${customersJob}/undo/preview`, `/jobs/${customersJob}/undo`]) {
    const undo = await t.api('POST', path);
    assert.equal(undo.status, 409, `${path}: ${undo.text}`);
    assert.equal(undo.json.error.code, 'job_of_other_organization');
    assert.match(
      undo.json.error.message,
      new RegExp(`organization ${orgA}.*points at organization ${orgB}`),
    );
    assert.match(undo.json.error.message, new RegExp(`Move the connection back to ${orgA}`));
  }
  const undoJobs = await t.fx.db.query('SELECT 1 FROM integration.sync_jobs WHERE undo_of = $1', [
    customersJob,
  ]);
  assert.equal(undoJobs.rowCount, 0, 'no undo job was opened');
  const accountA = await t.crmIdOf(t.company.eur.id);
  assert.equal(accountA, undefined, "A's couplings are set aside");

  // The cursors went aside with A: B starts from the beginning.
  assert.deepEqual(await jobState(INVOICE_JOB), {});
  assert.deepEqual(await jobState(STATS_JOB), {});
  const aside = await t.fx.db.query<{ name: string }>(
    "SELECT row->>'name' AS name FROM integration.organization_set_aside WHERE organization_id = $1 AND kind = 'recurring_job_states' ORDER BY 1",
    [orgA],
  );
  assert.deepEqual(
    aside.rows.map((r) => r.name),
    [STATS_JOB, INVOICE_JOB],
  );

  // Nothing is coupled in B yet: the invoice job waits, its cursor untouched, rather than fail
  // every invoice for want of its customer.
  const held = await t.api('POST', `/scheduledJobs/${INVOICE_JOB}/run`, { wait: true });
  assert.equal(held.status, 409, held.text);
  assert.equal(held.json.error.code, 'mapping_held');
  assert.match(held.json.error.message, /CUSTOMER is not synchronized now/);
  assert.deepEqual(await jobState(INVOICE_JOB), {});
  assert.equal(await invoicesNumbered(t.clientB, early.number), 0);

  // The master data coupled in B (as the full synchronization does): the invoice posted while
  // connected to A is created in B too, and B gets the statistics.
  await t.fx.db.query(
    "UPDATE integration.full_sync_lines SET status = 'Finished', message = NULL, finished_at = now()",
  );
  await t.coupleMasterData();
  const inB = await t.runJob(INVOICE_JOB);
  assert.equal(inB.created, 1, JSON.stringify(inB));
  assert.equal(await invoicesNumbered(t.clientB, early.number), 1, 'the earlier invoice reached B');
  assert.equal(await jobOrganization(inB.jobId), orgB);
  const statsB = await t.runJob(STATS_JOB);
  assert.equal(statsB.didWork, true, JSON.stringify(statsB));
  const accountB = await t.clientB.retrieve<{ _nav_accountstatisticsid_value: string | null }>(
    'accounts',
    (await t.crmIdOf(t.company.eur.id))!,
  );
  assert.ok(accountB.ok && accountB.value._nav_accountstatisticsid_value, 'statistics in B');

  // Posted while connected to B.
  const { invoice: meanwhile } = await t.postOrder({
    customerNumber: 'C-EUR',
    salesOrderLines: [{ lineType: 'Item', lineObjectNumber: 'I-1', quantity: 3 }],
  });
  assert.equal((await t.runJob(INVOICE_JOB)).created, 1);
  assert.equal(await invoicesNumbered(t.clientB, meanwhile.number), 1);

  // Back to A: A's cursors come back, so the invoice posted meanwhile reaches A, the early one
  // is not sent twice; B's job cannot be undone from A.
  assert.match(await moveTo(t.toA), /synchronized before/);
  assert.deepEqual(await jobState(INVOICE_JOB), stateA.invoices);
  assert.deepEqual(await jobState(STATS_JOB), stateA.stats);
  const backInA = await t.runJob(INVOICE_JOB);
  assert.equal(backInA.created, 1, JSON.stringify(backInA));
  assert.equal(await invoicesNumbered(t.fx.client, meanwhile.number), 1);
  assert.equal(await invoicesNumbered(t.fx.client, early.number), 1, 'never created twice in A');
  const bJob = await t.api('POST', `/jobs/${inB.jobId}/undo/preview`);
  assert.equal(bJob.status, 409, bJob.text);
  assert.equal(bJob.json.error.code, 'job_of_other_organization');

  // In A again, the customers' job can be undone: the preview lists A's two accounts.
  const preview = await t.api('POST', `/jobs/${customersJob}/undo/preview`);
  assert.equal(preview.status, 200, preview.text);
  assert.equal(
    preview.json.removed.filter((r: { side: string }) => r.side === 'crm').length,
    2,
    JSON.stringify(preview.json.removed),
  );
});
