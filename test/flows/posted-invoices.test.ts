import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnKobling } from '../helpers/cli.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { INVOICE, startOutboundFixture } from './outbound-fixture.ts';

const t = useFixture(startOutboundFixture);

const { ACTIVE, PAID, BILLED, COMPLETE, PARTIAL } = INVOICE;

let eurInvoice: Record<string, unknown>;
let eurCrmInvoiceId: string;

test('posting an order: the job creates the CRM invoice Billed with its lines, to the cent; run again it creates nothing', async () => {
  const { invoice } = await t.postOrder({
    customerNumber: 'C-EUR',
    discountAmount: 7.23,
    salesOrderLines: [
      { lineType: 'Item', lineObjectNumber: 'I-1', quantity: 10, discountPercent: 5 },
      { lineType: 'Comment', description: 'Blue ones please', attachedToSequence: 10000 },
      { lineType: 'Resource', lineObjectNumber: 'R-1', quantity: 3 },
    ],
  });
  eurInvoice = invoice;
  assert.equal(invoice.totalAmountIncludingTax, 325.01);
  const first = await t.runJob('POSTEDSALESINV-INV');
  assert.equal(first.didWork, true, JSON.stringify(first));
  assert.equal(first.created, 1, JSON.stringify(first.failures));
  eurCrmInvoiceId = (await t.crmIdOf(String(invoice.id)))!;
  assert.ok(eurCrmInvoiceId, 'the posted invoice is coupled to the CRM invoice');
  const crm = await t.crm('invoices', eurCrmInvoiceId);
  assert.equal(crm.invoicenumber, invoice.number);
  assert.equal(crm.name, invoice.number);
  assert.equal(crm.statecode, ACTIVE);
  assert.equal(crm.statuscode, BILLED);
  assert.equal(crm._customerid_value, await t.crmIdOf(t.company.eur.id));
  assert.equal(crm.totalamountlessfreight, 260);
  assert.equal(crm.totaltax, 65.01);
  assert.equal(crm.totalamount, 325.01);
  assert.equal(crm.discountamount, 7.23);
  assert.ok(crm._pricelevelid_value, 'a price list in the invoice currency');
  const lines = await t.crmList('invoicedetails', `_invoiceid_value eq ${eurCrmInvoiceId}`);
  assert.equal(lines.length, 2, 'item and resource lines; the comment line is not a product');
  assert.deepEqual(
    lines.map((l) => l.extendedamount).sort(),
    [145.75, 186.49].sort(),
    'line amounts incl. VAT plus their share of the invoice discount',
  );

  const again = await t.runJob('POSTEDSALESINV-INV');
  assert.equal(again.didWork, false);
  assert.match(again.message, /Nothing to do/);
  const all = await t.crmList('invoices', `invoicenumber eq '${invoice.number}'`);
  assert.equal(all.length, 1, 'never created twice');
  const invoiceJobs = async () =>
    (await t.ok('GET', '/jobs?mapping=POSTEDSALESINV-INV')).value.length as number;
  const jobsBefore = await invoiceJobs();
  const manual = await t.api('POST', `/postedSalesInvoices/${invoice.number}/createInCrm`);
  assert.equal(manual.status, 200, manual.text);
  assert.equal(manual.json.outcome, 'alreadyCoupled');
  assert.match(manual.json.message, /already coupled.*no job was run/);
  assert.equal(manual.json.jobId, null, 'nothing to do opens no job');
  const bulk = await t.api('POST', '/postedSalesInvoices/createInCrm', {
    numbers: [invoice.number],
  });
  assert.equal(bulk.status, 200, bulk.text);
  assert.equal(bulk.json.jobId, null);
  assert.match(bulk.json.message, /Nothing to create: the invoice is already coupled/);
  assert.equal(await invoiceJobs(), jobsBefore, 'no synchronization job was opened');

  const jobs = await t.ok('GET', '/scheduledJobs');
  const job = jobs.value.find((j: { mapping: string }) => j.mapping === 'POSTEDSALESINV-INV');
  assert.equal(job.lastStatus, 'nothing to do');
  assert.equal(job.intervalMinutes, 30);
  assert.equal(job.inactivityTimeoutMinutes, 1440);
  const sleeps = new Date(job.nextRunAt).getTime() - new Date(job.lastRunAt).getTime();
  assert.equal(
    sleeps,
    1440 * 60_000,
    'with nothing to do the job sleeps for its inactivity timeout',
  );
});

/** The last statistics job's counters are the sums of the figures its message names. */
async function assertStatisticsJobAddsUp() {
  const jobs = await t.ok('GET', '/jobs?mapping=CUSTOMER%20STATISTICS');
  const job = jobs.value[0];
  const sum = (re: RegExp) =>
    [...String(job.message).matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  assert.equal(job.unchanged, sum(/\((\d+) unchanged/g), job.message);
  assert.equal(job.failed, sum(/(\d+) failed\)/g), job.message);
}

test('40 % paid → Paid/Partial; the rest → Paid/Complete with balance 0 and total sales = amount excl. tax; an unapplied payment goes back', async () => {
  const first = await t.payInvoice('C-EUR', 130, eurInvoice.number);
  const run1 = await t.runJob('CUSTOMER STATISTICS');
  assert.equal(run1.didWork, true, JSON.stringify(run1));
  assert.deepEqual(await t.invoiceState(eurCrmInvoiceId), [PAID, PARTIAL]);
  await assertStatisticsJobAddsUp();

  const rest = await t.payInvoice('C-EUR', 195.01, eurInvoice.number);
  await t.runJob('CUSTOMER STATISTICS');
  assert.deepEqual(await t.invoiceState(eurCrmInvoiceId), [PAID, COMPLETE]);

  const account = await t.crm('accounts', (await t.crmIdOf(t.company.eur.id))!);
  const stats = await t.crm(
    'nav_accountstatisticses',
    String(account._nav_accountstatisticsid_value),
  );
  assert.equal(stats.nav_customerno, 'C-EUR');
  assert.equal(stats.nav_balancelcy, 0);
  assert.equal(stats.nav_totalsaleslcy, 260);
  assert.equal(stats.nav_creditlimitlcy, 10000);
  assert.equal(
    stats._transactioncurrencyid_value,
    (await t.fx.ctx.crm.baseCurrencyId()).ok
      ? ((await t.fx.ctx.crm.baseCurrencyId()) as { value: string }).value
      : null,
  );

  const unapplied = await t.erp.post(`customerPayments(${rest.id})/Microsoft.NAV.unapply`);
  assert.equal(unapplied.status, 204, JSON.stringify(unapplied.body));
  await t.runJob('CUSTOMER STATISTICS');
  assert.deepEqual(await t.invoiceState(eurCrmInvoiceId), [PAID, PARTIAL], 'back to partly paid');
  await assertStatisticsJobAddsUp();
  const after = await t.crm(
    'nav_accountstatisticses',
    String(account._nav_accountstatisticsid_value),
  );
  assert.equal(after.nav_balancelcy, 0, 'the unapplied payment stays open on the account');
  const unapplyFirst = await t.erp.post(`customerPayments(${first.id})/Microsoft.NAV.unapply`);
  assert.equal(unapplyFirst.status, 204);
  await t.runJob('CUSTOMER STATISTICS');
  assert.deepEqual(await t.invoiceState(eurCrmInvoiceId), [ACTIVE, BILLED], 'nothing paid: Billed');
  const twice = await t.erp.post(`customerPayments(${first.id})/Microsoft.NAV.unapply`);
  assert.equal(twice.status, 422);
  assert.match(twice.body.error.message, /is not applied to any invoice/);
});

test('a foreign-currency customer: invoice created with Create invoice in Dynamics 365 Sales, paid, statistics in USD to the cent', async () => {
  const { invoice } = await t.postOrder({
    customerNumber: 'C-USD',
    salesOrderLines: [{ lineType: 'Item', lineObjectNumber: 'I-1', quantity: 7 }],
  });
  assert.equal(invoice.currencyCode, 'USD');
  const created = await t.api('POST', `/postedSalesInvoices/${invoice.number}/createInCrm`);
  assert.equal(created.status, 200, created.text);
  assert.equal(created.json.outcome, 'created');
  const crm = await t.crm('invoices', created.json.crmInvoiceId);
  const usdId = (
    await t.fx.db.query<{ crm_id: string }>(
      "SELECT crm_id FROM integration.couplings WHERE mapping_name = 'CURRENCY' AND erp_id = (SELECT id FROM erp.currencies WHERE code = 'USD')",
    )
  ).rows[0]!.crm_id;
  assert.equal(crm._transactioncurrencyid_value, usdId);
  assert.equal(crm.totalamount, invoice.totalAmountIncludingTax);
  assert.equal(crm.totalamountlessfreight, invoice.totalAmountExcludingTax);

  await t.payInvoice('C-USD', invoice.totalAmountIncludingTax, invoice.number);
  const updated = await t.api('POST', '/customers/C-USD/updateAccountStatistics');
  assert.equal(updated.status, 200, updated.text);
  assert.match(updated.json.message, /successfully/);
  assert.equal(updated.json.invoicesModified, 1);
  assert.deepEqual(await t.invoiceState(created.json.crmInvoiceId), [PAID, COMPLETE]);
  const stats = await t.crm('nav_accountstatisticses', updated.json.statisticsId);
  assert.equal(stats.nav_balancelcy, 0);
  assert.equal(stats.nav_totalsaleslcy, invoice.totalAmountExcludingTax);
  assert.equal(stats._transactioncurrencyid_value, usdId);
  const erpView = await t.ok('GET', '/customers/C-USD/accountStatistics');
  assert.equal(erpView.currencyCode, 'USD');
  assert.equal(erpView.totalSalesExcludingTax, Number(invoice.totalAmountExcludingTax).toFixed(2));

  const same = await t.api('POST', '/customers/C-USD/updateAccountStatistics');
  assert.equal(same.json.outcome, 'unchanged');
  assert.equal(same.json.crmWrites, 0, 'nothing changed, nothing written');
});

test('an invoice of an order that came from the CRM is linked to that order, its price list and name', async () => {
  const base = await t.fx.ctx.crm.baseCurrencyId();
  assert.ok(base.ok);
  const list = await t.fx.user.create('pricelevels', {
    name: 'Web shop EUR',
    'transactioncurrencyid@odata.bind': `/transactioncurrencies(${base.value})`,
  });
  assert.ok(list.ok);
  const account = (await t.crmIdOf(t.company.eur.id))!;
  const crmOrder = await t.fx.user.create('salesorders', {
    name: 'Web order 42',
    'customerid_account@odata.bind': `/accounts(${account})`,
    'pricelevelid@odata.bind': `/pricelevels(${list.value.id})`,
  });
  assert.ok(crmOrder.ok, crmOrder.ok ? '' : crmOrder.error.message);
  const order = await t.erp.post('salesOrders', {
    customerNumber: 'C-EUR',
    externalDocumentNumber: 'Web order 42',
    salesOrderLines: [{ lineType: 'Item', lineObjectNumber: 'I-1', quantity: 2 }],
  });
  assert.equal(order.status, 201);
  await t.ok('POST', '/couplings', {
    mapping: 'SALESORDER-ORDER',
    erpId: order.body.id,
    crmId: crmOrder.value.id,
  });
  const posted = await t.erp.action(`salesOrders(${order.body.id})/Microsoft.NAV.shipAndInvoice`);
  assert.equal(posted.status, 200);
  const many = await t.ok('POST', '/postedSalesInvoices/createInCrm', {
    numbers: [posted.body.invoiceNumber, 'NOPE-1'],
  });
  assert.equal(many.created, 1, JSON.stringify(many));
  const result = many.results.find(
    (r: { number: string }) => r.number === posted.body.invoiceNumber,
  );
  assert.equal(result.salesOrderId, crmOrder.value.id);
  const missing = many.results.find((r: { number: string }) => r.number === 'NOPE-1');
  assert.equal(missing.outcome, 'notFound');
  const crm = await t.crm('invoices', result.crmInvoiceId);
  assert.equal(crm._salesorderid_value, crmOrder.value.id);
  assert.equal(crm._pricelevelid_value, list.value.id);
  assert.equal(crm.name, 'Web order 42');
});

test('end to end with the order flow: a CRM order submitted, created in the ERP, posted → its CRM invoice is linked to it by the job', async () => {
  const account = (await t.crmIdOf(t.company.eur.id))!;
  const product = (await t.crmIdOf(t.company.item.id, 'ITEM-PRODUCT'))!;
  const order = await t.fx.user.create('salesorders', {
    name: 'PO 777 Adatum',
    'customerid_account@odata.bind': `/accounts(${account})`,
  });
  assert.ok(order.ok, order.ok ? '' : order.error.message);
  const line = await t.fx.user.create('salesorderdetails', {
    'salesorderid@odata.bind': `/salesorders(${order.value.id})`,
    'productid@odata.bind': `/products(${product})`,
    quantity: 4,
  });
  assert.ok(line.ok, line.ok ? '' : line.error.message);
  assert.ok(
    (await t.fx.user.update('salesorders', order.value.id, { statecode: 1, statuscode: 3 })).ok,
  );
  const taken = await t.ok('POST', '/crmSalesOrders/createInErp', { crmIds: [order.value.id] });
  assert.equal(taken.created, 1, JSON.stringify(taken));
  const erpOrderId = taken.results[0].erpOrderId;
  const posted = await t.erp.action(`salesOrders(${erpOrderId})/Microsoft.NAV.shipAndInvoice`);
  assert.equal(posted.status, 200, JSON.stringify(posted.body));
  const run = await t.ok('POST', '/scheduledJobs/POSTEDSALESINV-INV/run', { wait: true });
  assert.ok(run.created >= 1, JSON.stringify(run));
  const crmInvoiceId = (await t.crmIdOf(String(posted.body.invoiceId)))!;
  const crm = await t.crm('invoices', crmInvoiceId);
  assert.equal(crm._salesorderid_value, order.value.id);
  assert.equal(crm.name, 'PO 777 Adatum');
  assert.equal(crm.statuscode, BILLED);
  const erpInvoice = await t.erp.get(`salesInvoices(${posted.body.invoiceId})`);
  assert.equal(crm.totalamount, erpInvoice.body.totalAmountIncludingTax);
});

test('a customer that is not coupled gets a clear message from Update account statistics', async () => {
  const created = await t.erp.post('customers', {
    number: 'C-NEW',
    displayName: 'Not coupled Ltd.',
  });
  assert.equal(created.status, 201);
  const r = await t.api('POST', '/customers/C-NEW/updateAccountStatistics');
  assert.equal(r.status, 422);
  assert.equal(r.json.error.code, 'not_coupled');
  assert.match(
    r.json.error.message,
    /Customer C-NEW is not coupled to an account in Dynamics 365 Sales/,
  );
  const unknown = await t.api('POST', '/customers/C-NOPE/updateAccountStatistics');
  assert.equal(unknown.status, 404);
  const invoice = await t.postOrder({
    customerNumber: 'C-NEW',
    salesOrderLines: [{ lineType: 'Item', lineObjectNumber: 'I-1', quantity: 1 }],
  });
  const refused = await t.api('POST', `/postedSalesInvoices/${invoice.invoice.number}/createInCrm`);
  assert.equal(refused.status, 422);
  assert.match(refused.json.error.message, /Customer C-NEW must be coupled to an account/);
});

test('the CLI: kobling invoices, statistics and schedule', async () => {
  const env = { DATABASE_URL: t.fx.db.url, KOBLING_SECRET_KEY: 'k'.repeat(40) };
  const list = spawnKobling(['invoices', '--json'], env);
  assert.equal(await list.exited(), 0, list.output());
  const invoices = JSON.parse(list.output());
  const eur = invoices.find((i: { number: string }) => i.number === eurInvoice.number);
  assert.equal(eur.crmInvoiceId, eurCrmInvoiceId);
  assert.equal(eur.paymentStatus, 'Open');

  const stats = spawnKobling(['statistics', 'C-EUR', 'C-NEW'], env);
  assert.notEqual(await stats.exited(), 0, 'a customer that is not coupled fails the command');
  assert.match(stats.output(), /C-EUR\s+(modified|unchanged)\s+Customer statistics/);
  assert.match(stats.output(), /C-NEW\s+failed\s+Customer C-NEW is not coupled/);

  const schedule = spawnKobling(['schedule'], env);
  assert.equal(await schedule.exited(), 0, schedule.output());
  assert.match(schedule.output(), /CUSTOMER STATISTICS\s+yes\s+30\s+30/);
  assert.match(schedule.output(), /POSTEDSALESINV-INV\s+yes\s+30\s+1440/);
});

test('a job with nothing to do sleeps for its inactivity timeout; a posted invoice wakes it at the next tick; off means off', async () => {
  // The invoice of the uncoupled customer is tried once more, then left for a manual create.
  await t.whileJobAsleep('POSTEDSALESINV-INV', async (tick, clock) => {
    await t.postOrder({
      customerNumber: 'C-EUR',
      salesOrderLines: [{ lineType: 'Item', lineObjectNumber: 'I-1', quantity: 1 }],
    });
    assert.ok((await tick()).includes('POSTEDSALESINV-INV'), 'woken by the posted invoice');
    assert.ok(!(await tick()).includes('POSTEDSALESINV-INV'), 'queued once, not every tick');
    const off = await t.api('PATCH', '/scheduledJobs/POSTEDSALESINV-INV', { enabled: false });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.json.enabled, false);
    assert.equal(off.json.nextRunAt, null);
    clock.advance(2 * 24 * 60 * 60_000);
    assert.ok(!(await tick()).includes('POSTEDSALESINV-INV'), 'a job turned off never runs');
    const mapping = await t.ok('GET', '/tableMappings/POSTEDSALESINV-INV');
    assert.equal(mapping.jobEnabled, false, 'the mapping job’s switch is the mapping’s');
    await t.ok('PATCH', '/scheduledJobs/POSTEDSALESINV-INV', { enabled: true });
  });
});
