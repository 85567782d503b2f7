import assert from 'node:assert/strict';
import { createQueues, startJobQueue } from '../../src/db/job-queue.ts';
import { outboundFlowsPart } from '../../src/flows/outbound-jobs.ts';
import { scheduleDueJobs } from '../../src/integration/recurring-jobs.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { erpClient } from '../erp/api-client.ts';
import { basicCompany } from '../erp/fixtures.ts';
import { callJson, startTestServer, type TestServer } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from '../sync/sync-fixture.ts';

/** A CRM invoice's statecode (Active, Paid) and statuscode (Billed, Complete, Partial). */
export const INVOICE = { ACTIVE: 0, PAID: 2, BILLED: 4, COMPLETE: 100001, PARTIAL: 100002 };

/**
 * The whole system over HTTP for the outbound flows: the server (ERP API and integration API) on a
 * test database with a small ERP company, the CRM emulator, the connection enabled through the
 * API, and the master data coupled (currencies, units, item, resource, customers) the way a user
 * would do it.
 */
export async function startOutboundFixture() {
  const fx: SyncFixture = await startSyncFixture();
  const company = await basicCompany(fx.db);
  const server: TestServer = await startTestServer(fx.db, undefined, {
    KOBLING_SECRET_KEY: 'k'.repeat(40),
  });
  const admin = await server.tokenFor('admin');
  const erp = erpClient(server, admin, company.companyId);
  const api = (method: string, path: string, body?: unknown) =>
    callJson(`${server.baseUrl}/api/integration/v1${path}`, method, admin, body);
  const ok = async (method: string, path: string, body?: unknown) => {
    const r = await api(method, path, body);
    assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${r.text}`);
    return r.json;
  };
  await ok('PATCH', '/connection', fx.connection);
  await ok('POST', '/connection/enable');
  /** Couples the master data in the connected organization, the way a user would. */
  const coupleMasterData = async (): Promise<void> => {
    for (const mapping of ['CURRENCY', 'UNIT GROUP', 'ITEM UOM', 'RESOURCE UOM'])
      await ok('POST', '/couplings/matchBased', { mapping });
    for (const mapping of ['PAYMENT TERMS', 'SHIPMENT METHOD', 'SHIPPING AGENT'])
      await ok('POST', `/tableMappings/${encodeURIComponent(mapping)}/runNow`);
    for (const [mapping, id] of [
      ['ITEM-PRODUCT', company.item.id],
      ['RESOURCE-PRODUCT', company.resource.id],
    ] as const) {
      const product = await ok('POST', '/createInCrm', { mapping, erpIds: [id] });
      assert.equal(product.created.length, 1, JSON.stringify(product.failed));
    }
    const customers = await ok('POST', '/createInCrm', {
      mapping: 'CUSTOMER',
      erpIds: [company.eur.id, company.usd.id],
    });
    assert.equal(customers.created.length, 2, JSON.stringify(customers));
  };
  await coupleMasterData();
  const crmIdOf = async (erpId: string, mapping?: string) =>
    (
      await fx.db.query<{ crm_id: string }>(
        `SELECT crm_id FROM integration.couplings
          WHERE erp_id = $1 AND state = 'coupled' AND ($2::text IS NULL OR mapping_name = $2)`,
        [erpId, mapping ?? null],
      )
    ).rows[0]?.crm_id;
  /** A CRM record read as the integration user. */
  const crm = async (set: string, id: string) => {
    const r = await fx.client.retrieve<Record<string, unknown>>(set, id);
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    return r.value;
  };
  /** CRM rows matching an OData filter, read as the integration user. */
  const crmList = async (set: string, filter: string) => {
    const r = await fx.client.retrieveMultiple<Record<string, unknown>>(set, { filter });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    return r.value.value;
  };
  /** Posts a sales order (ship and invoice) over the ERP API; returns the posted invoice. */
  const postOrder = async (order: Record<string, unknown>) => {
    const created = await erp.post('salesOrders', order);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const posted = await erp.action(`salesOrders(${created.body.id})/Microsoft.NAV.shipAndInvoice`);
    assert.equal(posted.status, 200, JSON.stringify(posted.body));
    const invoice = await erp.get(`salesInvoices(${posted.body.invoiceId})`);
    return { order: created.body, invoice: invoice.body };
  };
  /** A customer payment over the ERP API, applied to an invoice; answers the payment's body. */
  const payInvoice = async (customerNumber: string, amount: number, invoiceNumber: unknown) => {
    const paid = await erp.post('customerPayments', {
      customerNumber,
      amount,
      appliesToInvoiceNumber: invoiceNumber,
    });
    assert.equal(paid.status, 201, JSON.stringify(paid.body));
    return paid.body;
  };
  /** Runs a scheduled job now over the API and waits for it. */
  const runJob = (name: string) =>
    ok('POST', `/scheduledJobs/${encodeURIComponent(name)}/run`, { wait: true });
  /** A CRM invoice's [statecode, statuscode]. */
  const invoiceState = async (crmId: string) => {
    const inv = await crm('invoices', crmId);
    return [inv.statecode, inv.statuscode];
  };
  /**
   * With a job queue up, runs the job until it has nothing to do and checks that the next tick of
   * the schedule (a minute on) leaves it asleep; then `fn` gets that tick and its clock.
   */
  const whileJobAsleep = async (
    name: string,
    fn: (tick: () => Promise<string[]>, clock: ReturnType<typeof fixedClock>) => Promise<void>,
  ) => {
    const boss = await startJobQueue(fx.db, server.ctx.logger);
    try {
      await createQueues(boss, outboundFlowsPart.jobs!(server.ctx));
      let idle = await runJob(name);
      for (let i = 0; i < 2 && idle.didWork; i++) idle = await runJob(name);
      assert.equal(idle.didWork, false, JSON.stringify(idle));
      const clock = fixedClock(new Date(Date.now() + 60_000));
      const tick = () => scheduleDueJobs(fx.db, clock, boss);
      assert.ok(!(await tick()).includes(name), 'asleep: nothing changed');
      await fn(tick, clock);
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
  };
  return {
    fx,
    server,
    company,
    erp,
    api,
    ok,
    crm,
    crmList,
    crmIdOf,
    postOrder,
    payInvoice,
    runJob,
    invoiceState,
    whileJobAsleep,
    coupleMasterData,
    async close() {
      await server.close();
      await fx.close();
    },
  };
}

export type OutboundFixture = Awaited<ReturnType<typeof startOutboundFixture>>;
