import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type FlowsFixture, longText, startFlowsFixture } from './flows-fixture.ts';

let fx: FlowsFixture;
before(async () => {
  fx = await startFlowsFixture();
});
after(async () => {
  await fx?.close();
});

const SUBMITTED = { statecode: 1, statuscode: 3 };

/** A CRM order written by the salesperson: header, lines, then submitted. */
async function crmOrder(
  name: string,
  accountId: string,
  lines: Record<string, unknown>[],
  extra: Record<string, unknown> = {},
): Promise<string> {
  const id = await fx.crmCreate('salesorders', {
    name,
    'customerid_account@odata.bind': `/accounts(${accountId})`,
    ...extra,
  });
  for (const line of lines)
    await fx.crmCreate('salesorderdetails', {
      'salesorderid@odata.bind': `/salesorders(${id})`,
      ...line,
    });
  await fx.crmUpdate('salesorders', id, SUBMITTED);
  return id;
}

test('a submitted order with a catalogue product, a write-in and a long description becomes an ERP order; release, ship and invoice are reported back until the CRM order is Invoiced', async () => {
  const description = longText(250);
  const id = await crmOrder('PO 4711 Adatum', fx.crmIds.account, [
    {
      'productid@odata.bind': `/products(${fx.crmIds.product})`,
      quantity: 3,
      ispriceoverridden: true,
      priceperunit: 10.5,
      manualdiscountamount: 1.5,
      description,
    },
    {
      isproductoverridden: true,
      productdescription: 'Engraving of the company logo',
      quantity: 2,
      priceperunit: 25,
    },
  ]);
  const order = await fx.crmGet('salesorders', id);

  const refused = await fx.api.post('/crmSalesOrders/createInErp', { crmIds: [id] });
  assert.equal(refused.status, 200, refused.text);
  assert.equal(refused.json.refused, 1);
  assert.equal(refused.json.results[0].error.code, 'write_in_product_missing');
  const listed = await fx.api.get('/crmSalesOrders');
  const row = listed.json.value.find((o: { crmId: string }) => o.crmId === id);
  assert.equal(row.erpStatus, 'refused');
  assert.match(row.error.message, /write-in product/);

  const chosen = await fx.salesSetup({
    writeInProductType: 'Item',
    writeInProductNumber: 'WRITE-IN',
  });
  assert.equal(chosen.status, 200, chosen.text);
  const done = await fx.api.post('/crmSalesOrders/createInErp', { crmIds: [id] });
  assert.equal(done.status, 200, done.text);
  assert.equal(done.json.created, 1, done.text);
  const erpOrderId = done.json.results[0].erpOrderId;

  const erpOrder = await fx.erp.get(`salesOrders(${erpOrderId})`);
  assert.equal(erpOrder.json.externalDocumentNumber, 'PO 4711 Adatum');
  assert.equal(erpOrder.json.yourReference, order.ordernumber);
  assert.equal(erpOrder.json.customerNumber, 'C-1');
  const lines = (await fx.erp.get(`salesOrders(${erpOrderId})/salesOrderLines`)).json.value;
  const products = lines.filter((l: { lineType: string }) => l.lineType !== 'Comment');
  assert.deepEqual(
    products.map((l: Record<string, unknown>) => [l.lineType, l.lineObjectNumber, l.description]),
    [
      ['Item', 'I-1', 'Widget'],
      ['Item', 'WRITE-IN', 'Engraving of the company logo'],
    ],
  );
  const comments = lines.filter((l: { lineType: string }) => l.lineType === 'Comment');
  assert.equal(comments.length, 3);
  assert.ok(comments.every((c: { description: string }) => c.description.length <= 100));
  assert.ok(
    comments.every(
      (c: { attachedToSequence: number }) => c.attachedToSequence === products[0].sequence,
    ),
  );
  assert.equal(comments.map((c: { description: string }) => c.description).join(' '), description);
  assert.equal(Number(products[0].unitPrice), 10.5);
  assert.equal(Number(products[0].discountAmount), 1.5);
  assert.equal(Number(erpOrder.json.totalAmountExcludingTax), 3 * 10.5 - 1.5 + 2 * 25);
  const stamped = await fx.crmGet('salesorders', id);
  assert.equal(stamped.lastbackofficesubmit, new Date().toISOString().slice(0, 10));

  const again = await fx.api.post('/crmSalesOrders/createInErp', { crmIds: [id] });
  assert.equal(again.json.created, 0);
  assert.match(again.json.results[0].message, /already coupled to sales order/);
});
