import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useCrmEmulator } from './emulator-fixture.ts';

let accountId: string;
let productId: string;
let priceListId: string;

const crm = useCrmEmulator({}, async () => {
  accountId = await crm.api.create('accounts', { name: 'Sales Customer' });
  const uom = (
    await crm.api.get("uoms?$filter=name eq 'Primary Unit'&$select=uomid,_uomscheduleid_value")
  ).json.value[0];
  priceListId = (await crm.api.get('pricelevels?$select=name')).json.value[0].pricelevelid;
  productId = await crm.api.create('products', {
    name: 'Bicycle',
    productnumber: '1000',
    price: 999,
    'defaultuomscheduleid@odata.bind': `/uomschedules(${uom._uomscheduleid_value})`,
    'defaultuomid@odata.bind': `/uoms(${uom.uomid})`,
  });
  await crm.api.create('productpricelevels', {
    'pricelevelid@odata.bind': `/pricelevels(${priceListId})`,
    'productid@odata.bind': `/products(${productId})`,
    'uomid@odata.bind': `/uoms(${uom.uomid})`,
    amount: 400,
  });
});

const TOTALS =
  'totallineitemamount,totaldiscountamount,totalamountlessfreight,totaltax,totalamount';

async function newQuote(): Promise<string> {
  const quoteId = await crm.api.create('quotes', {
    name: 'Bikes',
    'customerid_account@odata.bind': `/accounts(${accountId})`,
    'pricelevelid@odata.bind': `/pricelevels(${priceListId})`,
    discountpercentage: 10,
    freightamount: 25,
  });
  const catalogue = await crm.api.post('quotedetails', {
    'quoteid@odata.bind': `/quotes(${quoteId})`,
    'productid@odata.bind': `/products(${productId})`,
    quantity: 2,
    tax: 16,
  });
  assert.equal(catalogue.status, 204, catalogue.text);
  const writeIn = await crm.api.post('quotedetails', {
    'quoteid@odata.bind': `/quotes(${quoteId})`,
    isproductoverridden: true,
    productdescription: 'Assembly service',
    priceperunit: 50,
    quantity: 1,
    manualdiscountamount: 10,
  });
  assert.equal(writeIn.status, 204, writeIn.text);
  return quoteId;
}

test('quote totals are recomputed from the lines (catalogue price from the price list, write-in lines)', async () => {
  const quoteId = await newQuote();
  const q = await crm.api.get(`quotes(${quoteId})?$select=quotenumber,revisionnumber,${TOTALS}`);
  assert.match(q.json.quotenumber, /^QUO-\d{5}-[A-Z0-9]{6}$/);
  assert.equal(q.json.revisionnumber, 0);
  // Lines: 2 × 400 = 800 (+16 tax); write-in 50 − 10 = 40. Detail amount 840; 10 % header discount 84.
  assert.equal(q.json.totallineitemamount, 840);
  assert.equal(q.json.totaldiscountamount, 84);
  assert.equal(q.json.totalamountlessfreight, 756);
  assert.equal(q.json.totaltax, 16);
  assert.equal(q.json.totalamount, 797);
  const lines = await crm.api.get(
    `quotedetails?$filter=_quoteid_value eq ${quoteId}&$select=productidname,baseamount,extendedamount,sequencenumber&$orderby=sequencenumber`,
  );
  assert.deepEqual(
    lines.json.value.map((l: Record<string, unknown>) => [
      l.productidname,
      l.baseamount,
      l.extendedamount,
      l.sequencenumber,
    ]),
    [
      ['Bicycle', 800, 816, 1],
      ['Assembly service', 50, 40, 2],
    ],
  );
  const expanded = await crm.api.get(
    `quotes(${quoteId})?$select=name&$expand=quote_details($select=productidname,quantity;$filter=quantity gt 1;$orderby=sequencenumber)`,
  );
  assert.equal(expanded.status, 200, expanded.text);
  assert.deepEqual(
    expanded.json.quote_details.map((l: Record<string, unknown>) => [l.productidname, l.quantity]),
    [['Bicycle', 2]],
  );
  const all = await crm.api.get(
    `quotes?$select=name&$filter=quoteid eq ${quoteId}&$expand=quote_details($select=sequencenumber;$top=1)`,
  );
  assert.equal(all.json.value[0].quote_details.length, 1);
  const badWriteIn = await crm.api.post('quotedetails', {
    'quoteid@odata.bind': `/quotes(${quoteId})`,
    isproductoverridden: true,
    quantity: 1,
  });
  assert.equal(badWriteIn.status, 400);
});

test('quote lifecycle: activate, read-only when active, revise, win, convert to an order', async () => {
  const quoteId = await newQuote();
  assert.equal(
    (await crm.api.patch(`quotes(${quoteId})`, { statecode: 1, statuscode: 2 })).status,
    204,
  );
  const locked = await crm.api.patch(`quotes(${quoteId})`, { name: 'Changed' });
  assert.equal(locked.status, 400);
  const lockedLine = await crm.api.post('quotedetails', {
    'quoteid@odata.bind': `/quotes(${quoteId})`,
    isproductoverridden: true,
    productdescription: 'x',
    quantity: 1,
  });
  assert.equal(lockedLine.status, 400);
  const jump = await crm.api.patch(`quotes(${quoteId})`, { statecode: 2, statuscode: 4 });
  assert.equal(jump.status, 400, 'winning goes through WinQuote');

  const revised = await crm.api.post('ReviseQuote', {
    QuoteId: quoteId,
    ColumnSet: { AllColumns: true },
  });
  assert.equal(revised.status, 200, revised.text);
  const old = await crm.api.get(`quotes(${quoteId})?$select=quotenumber,statecode,statuscode`);
  assert.deepEqual([old.json.statecode, old.json.statuscode], [3, 7]);
  assert.equal(revised.json.quotenumber, old.json.quotenumber);
  assert.equal(revised.json.revisionnumber, 1);
  assert.equal(revised.json.statecode, 0);
  assert.equal(revised.json.totalamount, 797, 'lines came along');
  const newId = revised.json.quoteid;

  const early = await crm.api.post('WinQuote', {
    QuoteClose: {
      '@odata.type': 'Microsoft.Dynamics.CRM.quoteclose',
      'quoteid@odata.bind': `/quotes(${newId})`,
      subject: 'Won',
    },
    Status: -1,
  });
  assert.equal(early.status, 400, 'a draft quote cannot be won');
  assert.equal(
    (await crm.api.patch(`quotes(${newId})`, { statecode: 1, statuscode: 2 })).status,
    204,
  );
  const won = await crm.api.post('WinQuote', {
    QuoteClose: {
      '@odata.type': 'Microsoft.Dynamics.CRM.quoteclose',
      'quoteid@odata.bind': `/quotes(${newId})`,
      subject: 'Won',
    },
    Status: -1,
  });
  assert.equal(won.status, 204, won.text);
  const order = await crm.api.post('ConvertQuoteToSalesOrder', {
    QuoteId: newId,
    ColumnSet: { AllColumns: true },
  });
  assert.equal(order.status, 200, order.text);
  assert.match(order.json.ordernumber, /^ORD-/);
  assert.equal(order.json._quoteid_value, newId);
  assert.equal(order.json._customerid_value, accountId);
  assert.equal(order.json._accountid_value, accountId);
  assert.equal(order.json.totalamount, 797);
  assert.equal(order.json.statecode, 0);
});

test('sales order: submitted orders are read-only except back-office columns; fulfil; invoice; pay', async () => {
  const orderId = await crm.api.create('salesorders', {
    name: 'Direct order',
    'customerid_account@odata.bind': `/accounts(${accountId})`,
  });
  await crm.api.post('salesorderdetails', {
    'salesorderid@odata.bind': `/salesorders(${orderId})`,
    'productid@odata.bind': `/products(${productId})`,
    ispriceoverridden: true,
    priceperunit: 350,
    quantity: 3,
  });
  assert.equal(
    (await crm.api.get(`salesorders(${orderId})?$select=totalamount`)).json.totalamount,
    1050,
  );
  assert.equal(
    (await crm.api.patch(`salesorders(${orderId})`, { statecode: 1, statuscode: 3 })).status,
    204,
  );
  assert.equal((await crm.api.patch(`salesorders(${orderId})`, { name: 'no' })).status, 400);
  assert.equal(
    (await crm.api.patch(`salesorders(${orderId})`, { lastbackofficesubmit: '2026-11-25' })).status,
    204,
  );
  const fulfil = await crm.api.post('FulfillSalesOrder', {
    OrderClose: {
      '@odata.type': 'Microsoft.Dynamics.CRM.orderclose',
      'salesorderid@odata.bind': `/salesorders(${orderId})`,
    },
    Status: 100001,
  });
  assert.equal(fulfil.status, 204, fulfil.text);
  const invoice = await crm.api.post('ConvertSalesOrderToInvoice', {
    SalesOrderId: orderId,
    ColumnSet: { AllColumns: true },
  });
  assert.equal(invoice.status, 200, invoice.text);
  assert.match(invoice.json.invoicenumber, /^INV-/);
  assert.equal(invoice.json.totalamount, 1050);
  const order = await crm.api.get(`salesorders(${orderId})?$select=statecode,statuscode`, {
    prefer: 'odata.include-annotations="*"',
  });
  assert.equal(order.json.statecode, 4);
  assert.equal(order.json['statuscode@OData.Community.Display.V1.FormattedValue'], 'Invoiced');
  const invoiceId = invoice.json.invoiceid;
  assert.equal(
    (await crm.api.patch(`invoices(${invoiceId})`, { statecode: 2, statuscode: 100001 })).status,
    204,
  );
  assert.equal(
    (await crm.api.patch(`invoices(${invoiceId})`, { name: 'no' })).status,
    400,
    'paid invoices are read-only',
  );
  assert.equal(
    (await crm.api.patch(`invoices(${invoiceId})`, { statecode: 0, statuscode: 1 })).status,
    204,
    'reactivated',
  );
  const cancelOrder = await crm.api.create('salesorders', {
    name: 'C',
    'customerid_account@odata.bind': `/accounts(${accountId})`,
  });
  const cancel = await crm.api.post('CancelSalesOrder', {
    OrderClose: { 'salesorderid@odata.bind': `/salesorders(${cancelOrder})` },
    Status: -1,
  });
  assert.equal(cancel.status, 204);
  assert.equal(
    (await crm.api.get(`salesorders(${cancelOrder})?$select=statecode`)).json.statecode,
    2,
  );
});

test('posts regarding a record (create only) and account statistics linked from the account', async () => {
  const post = await crm.api.post('posts', {
    text: 'Order 1001 was shipped',
    source: 1,
    type: 7,
    'regardingobjectid_account@odata.bind': `/accounts(${accountId})`,
  });
  assert.equal(post.status, 204, post.text);
  const posts = await crm.api.get(
    `posts?$filter=_regardingobjectid_value eq ${accountId}&$select=text`,
  );
  assert.equal(posts.json.value.length, 1);
  const postId = posts.json.value[0].postid;
  assert.equal(
    (await crm.api.patch(`posts(${postId})`, { text: 'edited' }, { 'if-match': '*' })).status,
    405,
  );
  const statsId = await crm.api.create('nav_accountstatisticses', {
    nav_name: '10000',
    nav_balancelcy: 1234.5,
  });
  assert.equal(
    (
      await crm.api.patch(`accounts(${accountId})`, {
        'nav_accountstatisticsid@odata.bind': `/nav_accountstatisticses(${statsId})`,
      })
    ).status,
    204,
  );
  const a = await crm.api.get(
    `accounts(${accountId})?$select=name&$expand=nav_accountstatisticsid($select=nav_balancelcy)`,
  );
  assert.equal(a.json.nav_accountstatisticsid.nav_balancelcy, 1234.5);
});

test('opportunities are won and lost through their actions; CalculatePrice recomputes totals', async () => {
  const opp = await crm.api.create('opportunities', {
    name: 'Big deal',
    estimatedvalue: 5000,
    'customerid_account@odata.bind': `/accounts(${accountId})`,
  });
  const won = await crm.api.post('WinOpportunity', {
    OpportunityClose: { 'opportunityid@odata.bind': `/opportunities(${opp})`, subject: 'Won' },
    Status: 3,
  });
  assert.equal(won.status, 204, won.text);
  const read = await crm.api.get(`opportunities(${opp})?$select=statecode,statuscode,actualvalue`);
  assert.deepEqual(
    [read.json.statecode, read.json.statuscode, read.json.actualvalue],
    [1, 3, 5000],
  );
  const again = await crm.api.post('LoseOpportunity', {
    OpportunityClose: { 'opportunityid@odata.bind': `/opportunities(${opp})` },
    Status: -1,
  });
  assert.equal(again.status, 400, 'a won opportunity cannot be lost');
  const quoteId = await newQuote();
  const calc = await crm.api.post('CalculatePrice', {
    Target: { '@odata.type': 'Microsoft.Dynamics.CRM.quote', quoteid: quoteId },
  });
  assert.equal(calc.status, 204, calc.text);
  assert.equal((await crm.api.get(`quotes(${quoteId})?$select=totalamount`)).json.totalamount, 797);
});

test("a product's default price list is not valid for create: ignored on create, set by a PATCH", async () => {
  const id = await crm.api.create('products', {
    name: 'Tandem',
    productnumber: '1001',
    'pricelevelid@odata.bind': `/pricelevels(${priceListId})`,
  });
  const created = await crm.api.get(`products(${id})?$select=_pricelevelid_value`);
  assert.equal(created.json._pricelevelid_value, null, 'ignored on create, without an error');
  const attribute = await crm.api.get(
    "EntityDefinitions(LogicalName='product')/Attributes(LogicalName='pricelevelid')?$select=IsValidForCreate,IsValidForUpdate",
  );
  assert.equal(attribute.json.IsValidForCreate, false);
  assert.equal(attribute.json.IsValidForUpdate, true);

  const missing = await crm.api.patch(`products(${id})`, {
    'pricelevelid@odata.bind': '/pricelevels(00000000-0000-0000-0000-00000000beef)',
  });
  assert.equal(missing.status, 404, 'a PATCH checks the price list exists');
  const set = await crm.api.patch(`products(${id})`, {
    'pricelevelid@odata.bind': `/pricelevels(${priceListId})`,
  });
  assert.equal(set.status, 204, set.text);
  const updated = await crm.api.get(`products(${id})?$select=_pricelevelid_value`);
  assert.equal(updated.json._pricelevelid_value, priceListId);
});
