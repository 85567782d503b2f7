import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EdmV4, OData } from '@odata/client';
import { basicCompany } from '../erp/fixtures.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * The ERP's sales documents and their lines read and written by a generic OData v4 client
 * (@odata/client) with Business Central API v2.0's property names, set by set: every property of
 * BC's resource type that the ERP serves is there under BC's name (docs/erp.md §5 lists the few it
 * does not serve), writable ones take writes, BC's read-only ones refuse them.
 */

const address = (prefix: string) =>
  ['AddressLine1', 'AddressLine2', 'City', 'Country', 'State', 'PostCode'].map(
    (s) => `${prefix}${s}`,
  );
const PARTIES = [
  'customerId',
  'customerNumber',
  'customerName',
  'billToName',
  'billToCustomerId',
  'billToCustomerNumber',
];
const TOTALS = ['totalAmountExcludingTax', 'totalTaxAmount', 'totalAmountIncludingTax'];
const TAIL = ['status', 'lastModifiedDateTime', 'phoneNumber', 'email'];
const TERMS = ['currencyId', 'currencyCode', 'paymentTermsId', 'shipmentMethodId', 'salesperson'];

/** BC API v2.0's properties (learn.microsoft.com resource types) the ERP serves, per entity set. */
const BC: Record<string, readonly string[]> = {
  salesOrders: [
    'id',
    'number',
    'externalDocumentNumber',
    'orderDate',
    'postingDate',
    ...PARTIES,
    'shipToName',
    'shipToContact',
    ...address('sellTo'),
    ...address('billTo'),
    ...address('shipTo'),
    ...TERMS,
    'pricesIncludeTax',
    'requestedDeliveryDate',
    'discountAmount',
    'discountAppliedBeforeTax',
    ...TOTALS,
    'fullyShipped',
    ...TAIL,
  ],
  salesQuotes: [
    'id',
    'number',
    'externalDocumentNumber',
    'documentDate',
    'postingDate',
    'dueDate',
    ...PARTIES,
    'shipToName',
    'shipToContact',
    ...address('sellTo'),
    ...address('billTo'),
    ...address('shipTo'),
    ...TERMS,
    'discountAmount',
    ...TOTALS,
    'sentDate',
    'validUntilDate',
    'acceptedDate',
    ...TAIL,
  ],
  salesInvoices: [
    'id',
    'number',
    'externalDocumentNumber',
    'invoiceDate',
    'postingDate',
    'dueDate',
    'customerPurchaseOrderReference',
    ...PARTIES,
    'shipToName',
    'shipToContact',
    ...address('sellTo'),
    ...address('billTo'),
    ...address('shipTo'),
    ...TERMS,
    'orderId',
    'orderNumber',
    'pricesIncludeTax',
    'remainingAmount',
    'discountAmount',
    'discountAppliedBeforeTax',
    ...TOTALS,
    ...TAIL,
  ],
  salesCreditMemos: [
    'id',
    'number',
    'externalDocumentNumber',
    'creditMemoDate',
    'postingDate',
    'dueDate',
    ...PARTIES,
    ...address('sellTo'),
    ...address('billTo'),
    ...TERMS,
    'pricesIncludeTax',
    'discountAmount',
    'discountAppliedBeforeTax',
    ...TOTALS,
    'invoiceId',
    'invoiceNumber',
    ...TAIL,
  ],
};
const LINE = [
  'id',
  'documentId',
  'sequence',
  'itemId',
  'lineType',
  'lineObjectNumber',
  'description',
  'unitOfMeasureId',
  'unitOfMeasureCode',
  'quantity',
  'unitPrice',
  'discountAmount',
  'discountPercent',
  'discountAppliedBeforeTax',
  'amountExcludingTax',
  'taxCode',
  'taxPercent',
  'totalTaxAmount',
  'amountIncludingTax',
];
const NET = ['netAmount', 'netTaxAmount', 'netAmountIncludingTax'];
BC.salesQuoteLines = [...LINE, ...NET];
BC.salesInvoiceLines = [...LINE, 'invoiceDiscountAllocation', ...NET];
BC.salesCreditMemoLines = BC.salesInvoiceLines;
BC.salesOrderLines = [
  ...BC.salesInvoiceLines,
  'shippedQuantity',
  'invoicedQuantity',
  'invoiceQuantity',
  'shipQuantity',
];

/** Names this API used before it took BC's; none may come back. */
const OLD = ['billToPostalCode', 'shipToPostalCode', 'lineAmount', 'yourReference'];

let db: Awaited<ReturnType<typeof createMigratedDb>>;
let server: TestServer;
let ids: Awaited<ReturnType<typeof basicCompany>>;
/** A client as any; `writer` also sends `If-Match: *`, which BC (and this API) want on PATCH. */
let client: ReturnType<typeof OData.New4>;
let writer: ReturnType<typeof OData.New4>;
let boxId: string;

const key = (id: string) => EdmV4.Guid.from(id);

/** PATCH through @odata/client (its typings want a declared entity type; ours are plain records). */
const patch = (set: string, id: string, body: Record<string, unknown>) =>
  writer.getEntitySet(set).update(key(id), body as never);

function assertBcShape(set: string, record: Record<string, unknown>) {
  const missing = BC[set]!.filter((p) => !(p in record));
  assert.deepEqual(missing, [], `${set} lacks BC API v2.0 properties`);
  for (const old of OLD)
    if (!(set === 'salesOrders' || set === 'salesQuotes') || old !== 'yourReference')
      assert.equal(old in record, false, `${set} still has ${old}`);
}

before(async () => {
  db = await createMigratedDb('contracts_erp_bc_fields');
  ids = await basicCompany(db);
  await db.query(
    `UPDATE erp.customers SET address_line1 = 'Unter den Linden 1', postal_code = '10117',
            country = 'DE', phone_number = '+49 30 1234', email = 'buy@adatum.example'
      WHERE number = 'C-EUR'`,
  );
  await db.query(
    `INSERT INTO erp.vat_posting_groups (code, display_name, vat_percent) VALUES ('VAT0', 'Exempt', 0)`,
  );
  boxId = (await db.query<{ id: string }>(`SELECT id FROM erp.units_of_measure WHERE code = 'BOX'`))
    .rows[0]!.id;
  server = await startTestServer(db);
  const token = await server.tokenFor('orderProcessor');
  const options = (headers: Record<string, string>) =>
    ({
      serviceEndpoint: `${server.baseUrl}/api/v2.0/companies(${ids.companyId})/`,
      commonHeaders: { authorization: `Bearer ${token}`, ...headers },
    }) as Parameters<typeof OData.New4>[0];
  client = OData.New4(options({}));
  writer = OData.New4(options({ 'if-match': '*' }));
});
after(async () => {
  await server?.close();
  await db?.drop();
});

describe("sales documents with BC API v2.0's property names, through @odata/client", () => {
  test('salesOrders: sell-to block from the customer, bill-to follows the bill-to customer and is read-only', async () => {
    const orders = client.getEntitySet('salesOrders');
    const order = await orders.create({
      customerNumber: 'C-EUR',
      orderDate: '2030-01-15',
      billToCustomerId: ids.usd.id,
      shipToPostCode: '20095',
      shipToCity: 'Hamburg',
    });
    const got = await orders.retrieve(key(order.id));
    assertBcShape('salesOrders', got);
    assert.equal(got.customerName, 'Adatum GmbH');
    assert.equal(got.sellToAddressLine1, 'Unter den Linden 1');
    assert.equal(got.sellToPostCode, '10117');
    assert.equal(got.phoneNumber, '+49 30 1234');
    assert.equal(got.email, 'buy@adatum.example');
    assert.equal(got.billToCustomerNumber, 'C-USD');
    assert.equal(got.billToName, 'Fabrikam Inc.');
    assert.equal(got.billToCity, 'Seattle');
    assert.equal(got.shipToPostCode, '20095');
    assert.equal(got.pricesIncludeTax, false);
    assert.equal(got.discountAppliedBeforeTax, true);

    await patch('salesOrders', order.id, { sellToCity: 'Potsdam', email: 'orders@adatum.example' });
    const edited = await orders.retrieve(key(order.id));
    assert.equal(edited.sellToCity, 'Potsdam');
    assert.equal(edited.email, 'orders@adatum.example');
    await patch('salesOrders', order.id, { billToCustomerNumber: 'C-EUR' });
    const billedHere = await orders.retrieve(key(order.id));
    assert.deepEqual(
      [billedHere.billToCustomerId, billedHere.billToName, billedHere.billToPostCode],
      [ids.eur.id, 'Adatum GmbH', '10117'],
    );

    await assert.rejects(
      patch('salesOrders', order.id, { billToCity: 'Boston' }),
      /Read-only field: billToCity/,
    );
    await assert.rejects(
      orders.create({ customerNumber: 'C-EUR', customerName: 'Someone else' }),
      /Read-only field: customerName/,
    );
    await assert.rejects(
      orders.create({ customerNumber: 'C-EUR', billToPostalCode: '1' }),
      /Unknown field: billToPostalCode/,
    );
  });

  test('salesOrderLines: itemId and unitOfMeasureId written, amounts before and after the invoice discount', async () => {
    const order = await client.getEntitySet('salesOrders').create({ customerNumber: 'C-EUR' });
    const lines = client.getEntitySet(`salesOrders(${order.id})/salesOrderLines`);
    const line = await lines.create({ itemId: ids.item.id, unitOfMeasureId: boxId, quantity: 2 });
    await patch('salesOrders', order.id, { discountAmount: 10 });
    const got = await client.getEntitySet('salesOrderLines').retrieve(key(line.id));
    assertBcShape('salesOrderLines', got);
    assert.equal(got.lineType, 'Item');
    assert.equal(got.lineObjectNumber, 'I-1');
    assert.equal(got.unitOfMeasureCode, 'BOX');
    // 2 boxes of 6 at 12.34 = 148.08 before the 10.00 header discount, 138.08 after it.
    assert.equal(got.amountExcludingTax, 148.08);
    assert.equal(got.invoiceDiscountAllocation, 10);
    assert.equal(got.netAmount, 138.08);
    assert.equal(got.totalTaxAmount, 37.02);
    assert.equal(got.netTaxAmount, 34.52);
    assert.equal(got.amountIncludingTax, 185.1);
    assert.equal(got.netAmountIncludingTax, 172.6);

    // BC's taxCode is writable: another tax group changes the line's tax.
    await patch('salesOrderLines', line.id, { taxCode: 'VAT0' });
    const exempt = await lines.retrieve(key(line.id));
    assert.deepEqual(
      [exempt.taxCode, exempt.taxPercent, exempt.netTaxAmount, exempt.netAmountIncludingTax],
      ['VAT0', 0, 0, 138.08],
    );
    await assert.rejects(
      lines.create({ itemId: ids.item.id, quantity: 1, taxCode: 'NOPE' }),
      /Tax group NOPE does not exist/,
    );

    await patch('salesOrderLines', line.id, { shipQuantity: 1 });
    assert.equal((await lines.retrieve(key(line.id))).shipQuantity, 1);
    await assert.rejects(
      patch('salesOrderLines', line.id, { netAmount: 1 }),
      /Read-only field: netAmount/,
    );
  });

  test('salesQuotes: documentDate, dueDate, validUntilDate; sentDate and acceptedDate read-only', async () => {
    const quotes = client.getEntitySet('salesQuotes');
    const quote = await quotes.create({
      customerId: ids.eur.id,
      documentDate: '2030-02-01',
      dueDate: '2030-03-01',
      validUntilDate: '2030-02-28',
      externalDocumentNumber: 'RFQ-9',
    });
    const got = await quotes.retrieve(key(quote.id));
    assertBcShape('salesQuotes', got);
    assert.equal(got.dueDate, '2030-03-01');
    assert.equal(got.validUntilDate, '2030-02-28');
    assert.equal(got.sentDate, null);
    assert.equal(got.acceptedDate, null);
    assert.equal(got.sellToCountry, 'DE');
    await patch('salesQuotes', quote.id, { shipToPostCode: '80331' });
    assert.equal((await quotes.retrieve(key(quote.id))).shipToPostCode, '80331');
    await assert.rejects(
      patch('salesQuotes', quote.id, { sentDate: '2030-02-02T00:00:00Z' }),
      /Read-only field: sentDate/,
    );
  });

  test('salesQuoteLines: BC quote line properties, no shipping quantities', async () => {
    const quote = await client.getEntitySet('salesQuotes').create({ customerNumber: 'C-EUR' });
    const lines = client.getEntitySet(`salesQuotes(${quote.id})/salesQuoteLines`);
    const line = await lines.create({ itemId: ids.item.id, quantity: 3, discountPercent: 10 });
    const got = await client.getEntitySet('salesQuoteLines').retrieve(key(line.id));
    assertBcShape('salesQuoteLines', got);
    assert.equal(got.amountExcludingTax, 33.32);
    assert.equal(got.netAmount, 33.32);
    assert.equal('shipQuantity' in got, false);
    await assert.rejects(
      lines.create({ itemId: ids.item.id, quantity: 1, shipQuantity: 1 }),
      /Unknown field: shipQuantity/,
    );
  });

  test('salesInvoices: customerPurchaseOrderReference and the sell-to block are kept when posted', async () => {
    const invoices = client.getEntitySet('salesInvoices');
    const draft = await invoices.create({
      customerNumber: 'C-EUR',
      customerPurchaseOrderReference: 'PO-7',
      salesInvoiceLines: [{ lineType: 'Resource', lineObjectNumber: 'R-1', quantity: 2 }],
    });
    assertBcShape('salesInvoices', await invoices.retrieve(key(draft.id)));
    await patch('salesInvoices', draft.id, { sellToCity: 'Bonn' });
    await invoices.action('Microsoft.NAV.post', key(draft.id));
    const posted = await invoices.retrieve(key(draft.id));
    assertBcShape('salesInvoices', posted);
    assert.equal(posted.status, 'Open');
    assert.equal(posted.customerPurchaseOrderReference, 'PO-7');
    assert.equal(posted.sellToCity, 'Bonn');
    assert.equal(posted.sellToPostCode, '10117');
    assert.equal(posted.billToPostCode, '10117');
    assert.equal(posted.phoneNumber, '+49 30 1234');
    const listed = await invoices.query(
      client.newParam().filter("customerPurchaseOrderReference eq 'PO-7'"),
    );
    assert.deepEqual(
      listed.map((x: { id: string }) => x.id),
      [draft.id],
    );
  });

  test('salesInvoiceLines: BC invoice line properties on a draft and on the posted invoice', async () => {
    const invoices = client.getEntitySet('salesInvoices');
    const draft = await invoices.create({ customerNumber: 'C-EUR' });
    const lines = client.getEntitySet(`salesInvoices(${draft.id})/salesInvoiceLines`);
    const line = await lines.create({ itemId: ids.item.id, quantity: 10 });
    assertBcShape('salesInvoiceLines', line);
    await patch('salesInvoices', draft.id, { discountAmount: 5 });
    await invoices.action('Microsoft.NAV.post', key(draft.id));
    const [posted] = await client
      .getEntitySet('salesInvoiceLines')
      .query(client.newParam().filter(`documentId eq ${draft.id}`));
    assertBcShape('salesInvoiceLines', posted);
    assert.equal(posted.amountExcludingTax, 123.4);
    assert.equal(posted.invoiceDiscountAllocation, 5);
    assert.equal(posted.netAmount, 118.4);
    assert.equal(posted.netAmountIncludingTax, 148);
  });

  test('salesCreditMemos: no ship-to block; bill-to read-only; invoiceNumber names the invoice', async () => {
    const memos = client.getEntitySet('salesCreditMemos');
    const memo = await memos.create({ customerNumber: 'C-EUR', sellToAddressLine2: 'Hof 2' });
    const got = await memos.retrieve(key(memo.id));
    assertBcShape('salesCreditMemos', got);
    assert.equal(got.sellToAddressLine2, 'Hof 2');
    assert.equal('shipToName' in got, false);
    await assert.rejects(
      memos.create({ customerNumber: 'C-EUR', shipToCity: 'Bonn' }),
      /Unknown field: shipToCity/,
    );
    await assert.rejects(
      patch('salesCreditMemos', memo.id, { billToName: 'X' }),
      /Read-only field: billToName/,
    );
  });

  test('salesCreditMemoLines: BC credit memo line properties', async () => {
    const memo = await client.getEntitySet('salesCreditMemos').create({ customerNumber: 'C-EUR' });
    const line = await client
      .getEntitySet(`salesCreditMemos(${memo.id})/salesCreditMemoLines`)
      .create({ lineType: 'Resource', lineObjectNumber: 'R-1', quantity: 1 });
    const got = await client.getEntitySet('salesCreditMemoLines').retrieve(key(line.id));
    assertBcShape('salesCreditMemoLines', got);
    assert.equal(got.amountExcludingTax, 50);
    assert.equal(got.netAmountIncludingTax, 62.5);
    assert.equal(got.itemId, null);
  });

  test("customerPayments: posted with BC's customerId and appliesToInvoiceId", async () => {
    const invoices = client.getEntitySet('salesInvoices');
    const draft = await invoices.create({
      customerNumber: 'C-EUR',
      salesInvoiceLines: [{ lineType: 'Resource', lineObjectNumber: 'R-1', quantity: 1 }],
    });
    await invoices.action('Microsoft.NAV.post', key(draft.id));
    const payments = client.getEntitySet('customerPayments');
    const payment = await payments.create({
      customerId: ids.eur.id,
      amount: 20,
      appliesToInvoiceId: draft.id,
      externalDocumentNumber: 'BANK-1',
    });
    assert.equal(payment.customerNumber, 'C-EUR');
    assert.equal(payment.customerId, ids.eur.id);
    assert.equal(payment.appliesToInvoiceId, draft.id);
    assert.equal(payment.amount, 20);
    assert.equal((await invoices.retrieve(key(draft.id))).remainingAmount, 42.5);
    await assert.rejects(
      payments.create({ customerId: ids.eur.id, customerNumber: 'C-USD', amount: 1 }),
      /different records/,
    );
    await assert.rejects(payments.create({ amount: 1 }), /"customerNumber" or a "customerId"/);
  });
});
