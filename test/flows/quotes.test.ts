import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getEntity } from '../../src/erp/public-api.ts';
import { autoProcessQuotes } from '../../src/flows/quotes/quote-pickup.ts';
import { runKobling } from '../helpers/cli.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { startFlowsFixture } from './flows-fixture.ts';

const fx = useFixture(startFlowsFixture);

const ACTIVE = { statecode: 1, statuscode: 2 };

/** A quote written by the salesperson (draft with lines), then activated. */
async function activeQuote(name: string, quantity: number): Promise<string> {
  const id = await fx.crmCreate('quotes', {
    name,
    'customerid_account@odata.bind': `/accounts(${fx.crmIds.account})`,
    effectiveto: '2026-12-31',
  });
  await fx.crmCreate('quotedetails', {
    'quoteid@odata.bind': `/quotes(${id})`,
    'productid@odata.bind': `/products(${fx.crmIds.product})`,
    quantity,
    ispriceoverridden: true,
    priceperunit: 20,
  });
  await fx.crmUpdate('quotes', id, ACTIVE);
  return id;
}

const processInErp = async (id: string) => {
  const r = await fx.api.post('/crmQuotes/processInErp', { crmIds: [id] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.results[0].ok, true, r.text);
  return r.json.results[0];
};

/** Revises a quote in the CRM, changes the new revision's quantity and activates it. */
async function revise(id: string, quantity: number): Promise<string> {
  const revised = await fx.crmAction('ReviseQuote', {
    QuoteId: id,
    ColumnSet: { AllColumns: true },
  });
  const newId = String(revised.quoteid);
  const lines = await fx.crm.collectAll<{ quotedetailid: string }>('quotedetails', {
    select: ['quotedetailid'],
    filter: `_quoteid_value eq ${newId}`,
  });
  assert.ok(lines.ok);
  await fx.crmUpdate('quotedetails', lines.value[0]!.quotedetailid, { quantity });
  await fx.crmUpdate('quotes', newId, ACTIVE);
  return newId;
}

const archives = async (number: string) =>
  (await fx.erp.get(`salesQuoteArchives?$filter=number eq '${number}'&$orderby=versionNumber`)).json
    .value as { versionNumber: number; lines: unknown }[];

const erpLines = async (quoteId: string) =>
  (await fx.erp.get(`salesQuotes(${quoteId})/salesQuoteLines`)).json.value as {
    quantity: number;
  }[];

test('an activated quote becomes an ERP quote; each new revision archives the ERP quote and updates it in place; won after its order was submitted, the order gets the Quote No. and the quote is archived', async () => {
  const first = await activeQuote('Office chairs for Adatum', 5);
  const crmQuote = await fx.crmGet('quotes', first);
  const made = await processInErp(first);
  assert.equal(made.outcome, 'created');
  assert.equal(
    made.message,
    `ERP quote ${made.erpQuoteNumber} was created from quote ${crmQuote.quotenumber} (revision 0).`,
  );
  const quoteId = made.erpQuoteId;
  const erpQuote = await fx.erp.get(`salesQuotes(${quoteId})`);
  assert.equal(erpQuote.json.externalDocumentNumber, 'Office chairs for Adatum');
  assert.equal(erpQuote.json.yourReference, crmQuote.quotenumber);
  assert.equal(erpQuote.json.validUntilDate, '2026-12-31');
  assert.equal(Number((await erpLines(quoteId))[0]!.quantity), 5);
  const unchanged = await processInErp(first);
  assert.equal(unchanged.outcome, 'unchanged');
  assert.equal(
    unchanged.message,
    `Quote ${crmQuote.quotenumber} (revision 0) is already ERP quote ${made.erpQuoteNumber}.`,
  );

  const second = await revise(first, 7);
  const updated = await processInErp(second);
  assert.equal(updated.outcome, 'updated', JSON.stringify(updated));
  assert.equal(updated.erpQuoteId, quoteId, 'updated in place');
  assert.equal(Number((await erpLines(quoteId))[0]!.quantity), 7);
  const third = await revise(second, 9);
  assert.equal((await processInErp(third)).outcome, 'updated');
  assert.equal(Number((await erpLines(quoteId))[0]!.quantity), 9);
  const versions = await archives(made.erpQuoteNumber);
  assert.deepEqual(
    versions.map((v) => v.versionNumber),
    [1, 2],
  );

  const order = await fx.crmAction('ConvertQuoteToSalesOrder', {
    QuoteId: third,
    ColumnSet: { AllColumns: true },
  });
  const orderId = String(order.salesorderid);
  await fx.crmUpdate('salesorders', orderId, { statecode: 1, statuscode: 3 });
  const won = await processInErp(third);
  assert.equal(won.outcome, 'orderLinked', JSON.stringify(won));
  assert.match(won.message, /^Won quote \S+ \(revision 2\) became sales order /);
  const erpOrder = await fx.erp.get(`salesOrders(${orderId})`);
  assert.equal(erpOrder.status, 200, erpOrder.text);
  assert.equal(erpOrder.json.quoteNumber, made.erpQuoteNumber);
  assert.equal(
    (await fx.erp.get(`salesQuotes(${quoteId})`)).status,
    404,
    'the quote became the order',
  );
  assert.equal((await archives(made.erpQuoteNumber)).length, 3);
  assert.ok((await fx.crmGet('salesorders', orderId)).lastbackofficesubmit);
  assert.equal((await processInErp(third)).outcome, 'unchanged');
  const listed = (await fx.api.get('/crmQuotes')).json.value.find(
    (q: { crmId: string }) => q.crmId === third,
  );
  assert.equal(listed.state, 'Won');
  assert.equal(listed.wonProcessed, true);
});

test('a quote won before its order is submitted is released and waits; the order submitted later gets the Quote No. and the quote is archived', async () => {
  const id = await activeQuote('Standing desks for Adatum', 2);
  const made = await processInErp(id);
  const order = await fx.crmAction('ConvertQuoteToSalesOrder', {
    QuoteId: id,
    ColumnSet: { AllColumns: true },
  });
  const orderId = String(order.salesorderid);
  const won = await processInErp(id);
  assert.equal(won.outcome, 'released', JSON.stringify(won));
  // The ERP quote's own status: BC API v2.0 shows a quote's sent/accepted state, not its release.
  const quote = await getEntity(fx.db, 'salesQuotes', String(made.erpQuoteId));
  assert.equal(quote.ok && quote.value['status'], 'Released');

  await fx.crmUpdate('salesorders', orderId, { statecode: 1, statuscode: 3 });
  const created = await fx.api.post('/crmSalesOrders/createInErp', { crmIds: [orderId] });
  assert.equal(created.json.created, 1, created.text);
  const erpOrder = await fx.erp.get(`salesOrders(${orderId})`);
  assert.equal(erpOrder.json.quoteNumber, made.erpQuoteNumber);
  assert.equal((await fx.erp.get(`salesQuotes(${made.erpQuoteId})`)).status, 404);
  assert.equal((await archives(made.erpQuoteNumber)).length, 1);
});

test('a lost quote: its ERP quote is archived and deleted; a draft quote is refused with what to do', async () => {
  const id = await activeQuote('Lamps for Adatum', 1);
  const made = await processInErp(id);
  await fx.crmAction('CloseQuote', {
    QuoteClose: { 'quoteid@odata.bind': `/quotes(${id})`, subject: 'Lost' },
    Status: 5,
  });
  const lost = await processInErp(id);
  assert.equal(lost.outcome, 'archived', JSON.stringify(lost));
  assert.match(lost.message, /^Quote \S+ \(revision 0\) is closed \(lost\)/);
  assert.equal((await fx.erp.get(`salesQuotes(${made.erpQuoteId})`)).status, 404);
  assert.equal((await archives(made.erpQuoteNumber)).length, 1);

  const draft = await fx.crmCreate('quotes', {
    name: 'Not yet',
    'customerid_account@odata.bind': `/accounts(${fx.crmIds.account})`,
  });
  const refused = await fx.api.post('/crmQuotes/processInErp', { crmIds: [draft] });
  assert.equal(refused.json.refused, 1);
  assert.equal(refused.json.results[0].error.code, 'quote_not_active');
});

test('`kobling quotes` lists the CRM quotes with their ERP quote and processes them', async () => {
  const env = { DATABASE_URL: fx.db.url, KOBLING_SECRET_KEY: 'k'.repeat(40) };
  const id = await activeQuote('Monitor arms for Adatum', 3);
  const processed = await runKobling(['quotes', '--process', id, '--json'], env);
  assert.equal(processed.code, 0, processed.output);
  const report = JSON.parse(processed.output);
  assert.equal(report.results[0].outcome, 'created');
  const listed = await runKobling(['quotes', '--json'], env);
  const row = (JSON.parse(listed.output) as { crmId: string; erpQuote: { number: string } }[]).find(
    (q) => q.crmId === id,
  );
  assert.equal(row?.erpQuote.number, report.results[0].erpQuoteNumber);
});

test('with the switch on, the automatic run processes activated quotes and leaves processed ones alone', async () => {
  const id = await activeQuote('Whiteboards for Adatum', 4);
  await fx.api.patch('/connection', { autoProcessQuotes: true });
  const run = await autoProcessQuotes(fx.server.ctx);
  assert.ok(run.ok);
  const mine = run.value.results.find((r) => r.crmId === id);
  assert.ok(mine?.ok && mine.outcome === 'created', JSON.stringify(run.value));
  const again = await autoProcessQuotes(fx.server.ctx);
  assert.ok(again.ok);
  assert.equal(
    again.value.results.some((r) => r.crmId === id),
    false,
  );
  await fx.api.patch('/connection', { autoProcessQuotes: false });
});

test('a quote made into an order in the ERP (Make order) and then won is linked to that order, not refused as quote_order_missing', async () => {
  const id = await activeQuote('Monitor arms for Adatum', 3);
  const made = await processInErp(id);
  const order = await fx.erp.post(`salesQuotes(${made.erpQuoteId})/Microsoft.NAV.makeOrder`);
  assert.ok(order.status < 300, order.text);
  const erpOrder = (await fx.erp.get(`salesOrders?$filter=quoteNumber eq '${made.erpQuoteNumber}'`))
    .json.value[0];
  assert.ok(erpOrder, 'Make order set the Quote No.');
  await fx.crmAction('WinQuote', {
    QuoteClose: {
      '@odata.type': 'Microsoft.Dynamics.CRM.quoteclose',
      'quoteid@odata.bind': `/quotes(${id})`,
      subject: 'Won',
    },
    Status: -1,
  });
  const won = await processInErp(id);
  assert.equal(won.outcome, 'orderLinked', JSON.stringify(won));
  assert.equal(won.erpOrderNumber, erpOrder.number);
  assert.match(won.message, new RegExp(`is sales order ${erpOrder.number}, made from ERP quote`));
  assert.equal((await processInErp(id)).outcome, 'unchanged');
});
