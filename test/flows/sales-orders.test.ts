import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reportOrderStatus } from '../../src/flows/sales-orders/order-events.ts';
import { autoCreateSalesOrders } from '../../src/flows/sales-orders/order-pickup.ts';
import { runKobling } from '../helpers/cli.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { longText, startFlowsFixture } from './flows-fixture.ts';

const fx = useFixture(startFlowsFixture);

const SUBMITTED = { statecode: 1, statuscode: 3 };

/** One run of the order status job (what the workers run every minute). */
async function reportStatus() {
  const r = await reportOrderStatus(fx.server.ctx);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

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

  const released = await fx.erp.post(`salesOrders(${erpOrderId})/Microsoft.NAV.release`);
  assert.ok(released.status < 300, released.text);
  assert.deepEqual(await reportStatus(), {
    events: 1,
    posts: 1,
    invoiced: 0,
    reactivated: 0,
    ignored: 0,
  });
  const synced = await fx.crmGet('salesorders', id);
  assert.equal(synced.ordernumber, erpOrder.json.number, 'SALESORDER-ORDER sent the header');
  assert.equal(Number(synced.totalamountlessfreight), 80);
  const shipped = await fx.erp.post(`salesOrders(${erpOrderId})/Microsoft.NAV.ship`);
  assert.ok(shipped.status < 300, shipped.text);
  const invoiced = await fx.erp.post(`salesOrders(${erpOrderId})/Microsoft.NAV.invoice`);
  assert.ok(invoiced.status < 300, invoiced.text);
  const report = await reportStatus();
  assert.equal(report.invoiced, 1);
  const posts = await fx.crm.collectAll<{ text: string }>('posts', {
    select: ['text'],
    filter: `_regardingobjectid_value eq ${id}`,
    orderby: ['createdon asc'],
  });
  assert.ok(posts.ok);
  assert.deepEqual(
    posts.value.map((p) => p.text.replace(/ \(.*\)\.$/, '')),
    [
      'The order status has changed to Released',
      'A shipment has been created for the order',
      'An invoice has been created for the order',
    ],
  );
  const wall = await fx.crm.collectAll<{ text: string }>('posts', {
    select: ['text'],
    filter: `_regardingobjectid_value eq ${fx.crmIds.account}`,
  });
  assert.ok(wall.ok);
  assert.ok(
    wall.value.some((p) => p.text.startsWith(`Order '${order.ordernumber}' has been posted`)),
  );
  const final = await fx.crmGet('salesorders', id);
  assert.equal(final.statecode, 4, 'Invoiced');
  assert.equal(final.statuscode, 100003);
  // Posting removed the ERP order; `kobling orders --all` still names it (from the posted invoice).
  const all = await runKobling(['orders', '--all'], {
    DATABASE_URL: fx.db.url,
    KOBLING_SECRET_KEY: 'k'.repeat(40),
  });
  assert.equal(all.code, 0, all.output);
  assert.match(
    all.output,
    new RegExp(`PO 4711 Adatum\\s+Invoiced\\s+created\\s+${erpOrder.json.number} `),
    all.output,
  );
  assert.deepEqual(await reportStatus(), {
    events: 0,
    posts: 0,
    invoiced: 0,
    reactivated: 0,
    ignored: 0,
  });
});

test('an order for an account coupled to no customer is refused with what to fix, listed with that message, retried, and created once the account is coupled', async () => {
  const account = await fx.crmCreate('accounts', { name: 'Fabrikam AS', customertypecode: 3 });
  const id = await crmOrder('Fabrikam chairs', account, [
    { 'productid@odata.bind': `/products(${fx.crmIds.product})`, quantity: 1 },
  ]);
  const refused = await fx.api.post('/crmSalesOrders/createInErp', { crmIds: [id] });
  assert.equal(refused.json.refused, 1);
  assert.equal(refused.json.results[0].error.code, 'customer_not_coupled');
  assert.match(
    refused.json.results[0].error.message,
    /There is no customer coupled to account Fabrikam AS\. Couple the account/,
  );
  const row = (await fx.api.get('/crmSalesOrders')).json.value.find(
    (o: { crmId: string }) => o.crmId === id,
  );
  assert.equal(row.erpStatus, 'refused');
  assert.match(row.error.message, /no customer coupled to account Fabrikam AS/);
  assert.equal((await fx.crmGet('salesorders', id)).lastbackofficesubmit, null);

  const again = await fx.api.post('/crmSalesOrders/createInErp', { crmIds: [id] });
  assert.equal(again.json.refused, 1, 'still refused: nothing changed');
  assert.equal(
    row.error.attempts + 1,
    (await fx.api.get('/crmSalesOrders')).json.value.find((o: { crmId: string }) => o.crmId === id)
      .error.attempts,
  );

  const coupled = await fx.api.post('/couplings', {
    mapping: 'CUSTOMER',
    erpId: fx.ids.later,
    crmId: account,
  });
  assert.ok(coupled.status < 300, coupled.text);
  await fx.api.patch('/connection', { autoCreateSalesOrders: true });
  const auto = await autoCreateSalesOrders(fx.server.ctx);
  assert.ok(auto.ok);
  assert.equal(auto.value.created, 1, JSON.stringify(auto.value));
  const listed = (await fx.api.get('/crmSalesOrders')).json.value.find(
    (o: { crmId: string }) => o.crmId === id,
  );
  assert.equal(listed.erpStatus, 'created');
  assert.equal(listed.error, null);
  assert.equal(listed.erpOrder.status, 'Open');
  const erpOrder = await fx.erp.get(`salesOrders(${listed.erpOrder.id})`);
  assert.equal(erpOrder.json.customerNumber, 'C-2');
  const rerun = await autoCreateSalesOrders(fx.server.ctx);
  assert.ok(rerun.ok);
  assert.equal(rerun.value.results.length, 0, 'stamped orders are not picked up again');
  await fx.api.patch('/connection', { autoCreateSalesOrders: false });
});

test('deleting the ERP order of a CRM order puts the CRM order back to Active/Pending with lastbackofficesubmit cleared', async () => {
  const id = await crmOrder(
    'To be deleted',
    fx.crmIds.account,
    [
      {
        'productid@odata.bind': `/products(${fx.crmIds.service})`,
        quantity: 4,
        ispriceoverridden: true,
        priceperunit: 60,
      },
    ],
    { discountamount: 20, freightamount: 15 },
  );
  const done = await fx.api.post('/crmSalesOrders/createInErp', { crmIds: [id] });
  assert.equal(done.json.created, 1, done.text);
  const erpOrderId = done.json.results[0].erpOrderId;
  const lines = (await fx.erp.get(`salesOrders(${erpOrderId})/salesOrderLines`)).json.value;
  assert.deepEqual(
    lines.map((l: Record<string, unknown>) => [
      l.lineType,
      l.lineObjectNumber,
      Number(l.quantity),
      Number(l.unitPrice),
    ]),
    [
      ['Resource', 'R-1', 4, 60],
      ['Comment', '', 0, 0],
    ],
  );
  assert.match(lines[1].description, /^Freight 15\.00 from Dynamics 365 Sales/);
  const header = (await fx.erp.get(`salesOrders(${erpOrderId})`)).json;
  assert.equal(
    Number(header.discountAmount),
    20,
    'the header discount became the invoice discount',
  );
  assert.equal(Number(header.totalAmountExcludingTax), 220);
  assert.ok((await fx.crmGet('salesorders', id)).lastbackofficesubmit);
  const deleted = await fx.erp.delete(`salesOrders(${erpOrderId})`);
  assert.ok(deleted.status < 300, deleted.text);
  const report = await reportStatus();
  assert.equal(report.reactivated, 1);
  const crmOrderAfter = await fx.crmGet('salesorders', id);
  assert.equal(crmOrderAfter.statecode, 0);
  assert.equal(crmOrderAfter.statuscode, 2);
  assert.equal(crmOrderAfter.lastbackofficesubmit, null);
  // The salesperson can submit it again, and it becomes a new ERP order.
  await fx.crmUpdate('salesorders', id, SUBMITTED);
  const again = await fx.api.post('/crmSalesOrders/createInErp', { crmIds: [id] });
  assert.equal(again.json.created, 1, again.text);
});

test('`kobling orders` lists the CRM orders and creates them in the ERP; a refusal exits 1 with what to fix', async () => {
  const env = { DATABASE_URL: fx.db.url, KOBLING_SECRET_KEY: 'k'.repeat(40) };
  const account = await fx.crmCreate('accounts', { name: 'Litware Inc.', customertypecode: 3 });
  const id = await crmOrder('Litware lamps', account, [
    { 'productid@odata.bind': `/products(${fx.crmIds.product})`, quantity: 1 },
  ]);
  const refused = await runKobling(['orders', '--create', id], env);
  assert.equal(refused.code, 1, refused.output);
  assert.match(
    refused.output,
    /refused \[customer_not_coupled\]: There is no customer coupled to account Litware Inc\./,
  );
  const listed = await runKobling(['orders', '--json'], env);
  assert.equal(listed.code, 0, listed.output);
  const rows = JSON.parse(listed.output) as { crmId: string; erpStatus: string }[];
  assert.equal(rows.find((r) => r.crmId === id)?.erpStatus, 'refused');
  const table = await runKobling(['orders'], env);
  assert.match(table.output, /Litware lamps\s+Submitted\s+refused/);
  const status = await runKobling(['orders', '--report-status'], env);
  assert.equal(status.code, 0, status.output);
  assert.match(status.output, /No order events to report\.|\d+ events?:/);
});

test("an order for a contact goes to the customer coupled to the contact's account; an uncoupled product is refused naming the line", async () => {
  const contact = await fx.crmCreate('contacts', {
    firstname: 'Anna',
    lastname: 'Berg',
    'parentcustomerid_account@odata.bind': `/accounts(${fx.crmIds.account})`,
  });
  const loose = await fx.crmCreate('products', {
    name: 'Loose product',
    productnumber: 'LOOSE-1',
    producttypecode: 1,
  });
  const id = await fx.crmCreate('salesorders', {
    name: 'Via contact',
    'customerid_contact@odata.bind': `/contacts(${contact})`,
  });
  for (const product of [fx.crmIds.product, loose])
    await fx.crmCreate('salesorderdetails', {
      'salesorderid@odata.bind': `/salesorders(${id})`,
      'productid@odata.bind': `/products(${product})`,
      quantity: 1,
      ispriceoverridden: true,
      priceperunit: 3,
    });
  await fx.crmUpdate('salesorders', id, SUBMITTED);
  const refused = await fx.api.post('/crmSalesOrders/createInErp', { crmIds: [id] });
  assert.equal(refused.json.results[0].error.code, 'product_not_coupled', refused.text);
  assert.match(
    refused.json.results[0].error.message,
    /^Line 2: Product Loose product is not coupled to an item/,
  );
  assert.equal(
    (await fx.erp.get(`salesOrders(${id})`)).status,
    404,
    'nothing of the order is in the ERP',
  );
  const viaContact = await fx.crmCreate('salesorders', {
    name: 'Via contact, catalogue only',
    'customerid_contact@odata.bind': `/contacts(${contact})`,
  });
  await fx.crmCreate('salesorderdetails', {
    'salesorderid@odata.bind': `/salesorders(${viaContact})`,
    'productid@odata.bind': `/products(${fx.crmIds.product})`,
    quantity: 1,
  });
  await fx.crmUpdate('salesorders', viaContact, SUBMITTED);
  const made = await fx.api.post('/crmSalesOrders/createInErp', { crmIds: [viaContact] });
  assert.equal(made.json.created, 1, made.text);
  assert.equal((await fx.erp.get(`salesOrders(${viaContact})`)).json.customerNumber, 'C-1');
});
