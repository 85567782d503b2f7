import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EdmV4, OData } from '@odata/client';
import { getEntity } from '../../src/erp/public-api.ts';
import { basicCompany, make } from '../erp/fixtures.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * The ERP API spoken to by a generic OData v4 client nobody here wrote (@odata/client), checking
 * the Business Central API v2.0 behaviour it relies on.
 */

let db: Awaited<ReturnType<typeof createMigratedDb>>;
let server: TestServer;
let ids: Awaited<ReturnType<typeof basicCompany>>;
let token: string;
let base: string;
let client: ReturnType<typeof OData.New4>;
/** Every response the client saw, newest last (to look at status codes and headers). */
const seen: Response[] = [];

const key = (id: string) => EdmV4.Guid.from(id);

before(async () => {
  db = await createMigratedDb('contracts_erp');
  ids = await basicCompany(db);
  await make(db, 'shipmentMethods', { code: 'FOB', displayName: 'Free on board' });
  server = await startTestServer(db);
  token = await server.tokenFor('orderProcessor');
  base = `${server.baseUrl}/api/v2.0/companies(${ids.companyId})/`;
  client = OData.New4({
    serviceEndpoint: base,
    commonHeaders: { authorization: `Bearer ${token}` },
    fetchProxy: async (url: string, init: RequestInit) => {
      const response = await fetch(url, init);
      seen.push(response.clone());
      const text = await response.text();
      const json = response.headers.get('content-type')?.startsWith('application/json');
      return { content: json && text ? JSON.parse(text) : text, response };
    },
  } as Parameters<typeof OData.New4>[0]);
});
after(async () => {
  await server?.close();
  await db?.drop();
});

const raw = (path: string, init: RequestInit = {}) =>
  fetch(path.startsWith('http') ? path : `${base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
  });

describe('ERP API with @odata/client', () => {
  test("9. an order's date is BC's orderDate; a date that does not exist is a 400", async () => {
    const order = await client
      .getEntitySet('salesOrders')
      .create({ customerNumber: 'C-EUR', orderDate: '2030-01-15' });
    assert.equal(order.orderDate, '2030-01-15');
    assert.equal(order.documentDate, undefined);
    const bad = await raw('salesOrders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerNumber: 'C-EUR', orderDate: '2026-02-30' }),
    });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(await bad.json()), /orderDate/);
    const old = await raw('salesOrders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerNumber: 'C-EUR', documentDate: '2030-01-15' }),
    });
    assert.equal(old.status, 400, 'documentDate is a quote field, not an order field');
  });

  test('1. sales documents take customerId, currencyId, paymentTermsId, shipmentMethodId', async () => {
    const [usd] = await client
      .getEntitySet('currencies')
      .query(client.newParam().filter("code eq 'USD'"));
    const [terms] = await client.getEntitySet('paymentTerms').query();
    const [fob] = await client.getEntitySet('shipmentMethods').query();
    const orders = client.getEntitySet('salesOrders');
    const order = await orders.create({
      customerId: ids.eur.id,
      currencyId: usd.id,
      paymentTermsId: terms.id,
      shipmentMethodId: fob.id,
      salesOrderLines: [{ lineType: 'Item', lineObjectNumber: 'I-1', quantity: 2 }],
    });
    assert.equal(order.customerNumber, 'C-EUR');
    assert.equal(order.customerId, ids.eur.id);
    assert.equal(order.currencyCode, 'USD');
    assert.equal(order.currencyId, usd.id);
    assert.equal(order.paymentTermsCode, '30D');
    assert.equal(order.shipmentMethodId, fob.id);
    assert.equal(order.shipmentMethodCode, 'FOB');
    // customerNumber works too; customerId of another customer re-points the document
    const quote = await client.getEntitySet('salesQuotes').create({ customerNumber: 'C-USD' });
    assert.equal(quote.customerId, ids.usd.id);
    const patch = await raw(`salesOrders(${order.id})`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'if-match': '*' },
      body: JSON.stringify({ customerId: ids.usd.id, currencyId: null }),
    });
    assert.equal(patch.status, 200);
    const patched = (await patch.json()) as Record<string, unknown>;
    assert.equal(patched.customerNumber, 'C-USD');
    assert.equal(patched.currencyCode, null);
    const unknown = await raw('salesOrders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: '00000000-0000-0000-0000-00000000abcd' }),
    });
    assert.equal(unknown.status, 422);
  });

  test("1. customers: blocked uses BC's values and filters on ' '", async () => {
    const customers = client.getEntitySet('customers');
    const blocked = await customers.create({ displayName: 'Blocked Ltd', blocked: 'All' });
    assert.equal(blocked.blocked, 'All');
    const open = await customers.query(client.newParam().filter("blocked eq ' '"));
    assert.ok(open.length >= 2);
    assert.ok(open.every((c) => c.blocked === ' '));
    assert.ok(!open.some((c) => c.id === blocked.id));
    const [terms] = await client.getEntitySet('paymentTerms').query();
    const withTerms = await customers.create({
      displayName: 'Terms Ltd',
      paymentTermsId: terms.id,
    });
    assert.equal(withTerms.paymentTermsCode, terms.code);
  });

  test('3. Prefer odata.maxpagesize pages with nextLink; $count', async () => {
    for (let i = 0; i < 5; i++) await make(db, 'customers', { displayName: `Page ${i}` });
    const total = await client.getEntitySet('customers').count();
    assert.ok(total >= 7);
    const res = await raw('customers?$select=id,displayName', {
      headers: { prefer: 'odata.maxpagesize=3' },
    });
    assert.equal(res.headers.get('preference-applied'), 'odata.maxpagesize=3');
    let page = (await res.json()) as { value: unknown[]; '@odata.nextLink'?: string };
    const all = [...page.value];
    assert.equal(page.value.length, 3);
    while (page['@odata.nextLink']) {
      const next = await raw(page['@odata.nextLink'], {
        headers: { prefer: 'odata.maxpagesize=3' },
      });
      page = (await next.json()) as typeof page;
      all.push(...page.value);
    }
    assert.equal(all.length, total);
    const count = await raw("customers/$count?$filter=blocked eq ' '");
    assert.equal(count.status, 200);
    assert.match(count.headers.get('content-type') ?? '', /^text\/plain/);
    assert.ok(Number(await count.text()) >= 2);
  });

  test('4. $expand with nested options and single-valued navigation', async () => {
    const orders = client.getEntitySet('salesOrders');
    const order = await orders.create({
      customerNumber: 'C-EUR',
      salesOrderLines: [
        { lineType: 'Item', lineObjectNumber: 'I-1', quantity: 1 },
        { lineType: 'Resource', lineObjectNumber: 'R-1', quantity: 3 },
      ],
    });
    const got = await orders.retrieve(
      key(order.id),
      client
        .newParam()
        .expand(
          "salesOrderLines($select=lineObjectNumber,quantity;$filter=lineType eq 'Resource'),customer($select=number),paymentTerm",
        ),
    );
    assert.deepEqual(
      got.salesOrderLines.map((l: Record<string, unknown>) => [l.lineObjectNumber, l.quantity]),
      [['R-1', 3]],
    );
    assert.equal(got.customer.number, 'C-EUR');
    assert.equal(got.paymentTerm.code, '30D');
    const nav = await raw(`salesOrders(${order.id})/customer`);
    assert.equal(((await nav.json()) as { number: string }).number, 'C-EUR');
  });

  test('5. OData-Version, @odata.context with the entity set, $metadata', async () => {
    const res = await raw('customers?$top=1');
    assert.equal(res.headers.get('odata-version'), '4.0');
    const body = (await res.json()) as { '@odata.context': string };
    assert.equal(
      body['@odata.context'],
      `${server.baseUrl}/api/v2.0/$metadata#companies(${ids.companyId})/customers`,
    );
    const one = (await (await raw(`customers(${ids.eur.id})`)).json()) as Record<string, string>;
    assert.match(one['@odata.context']!, /#companies\([^)]+\)\/customers\/\$entity$/);
    const meta = await raw(`${server.baseUrl}/api/v2.0/$metadata`);
    assert.equal(meta.status, 200);
    const xml = await meta.text();
    assert.match(xml, /<EntitySet Name="salesOrders" EntityType="Microsoft.NAV.salesOrder">/);
    assert.match(xml, /<Property Name="customerId" Type="Edm.Guid"\/>/);
    assert.match(xml, /<NavigationProperty Name="customer" Type="Microsoft.NAV.customer"\/>/);
    assert.match(xml, /<Action Name="shipAndInvoice" IsBound="true">/);
  });

  test('6. bound actions answer 204; Prefer return=representation gives the outcome', async () => {
    const orders = client.getEntitySet('salesOrders');
    const order = await orders.create({
      customerNumber: 'C-EUR',
      salesOrderLines: [{ lineType: 'Item', lineObjectNumber: 'I-1', quantity: 1 }],
    });
    await orders.action('Microsoft.NAV.release', key(order.id));
    assert.equal(seen.at(-1)?.status, 204);
    assert.equal((await orders.retrieve(key(order.id))).status, 'Open', 'released reads Open');
    // parameters as generated clients send them: nullable ones as null
    const shipped = await raw(`salesOrders(${order.id})/Microsoft.NAV.ship`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        postingDate: null,
        lines: [{ sequence: 10000, shipQuantity: 1, invoiceQuantity: null }],
      }),
    });
    assert.equal(shipped.status, 204, await shipped.clone().text());
    const posted = await raw(`salesOrders(${order.id})/Microsoft.NAV.shipAndInvoice`, {
      method: 'POST',
      headers: { prefer: 'return=representation' },
    });
    assert.equal(posted.status, 200);
    assert.equal(posted.headers.get('preference-applied'), 'return=representation');
    const outcome = (await posted.json()) as { invoiceId: string; orderDeleted: boolean };
    assert.equal(outcome.orderDeleted, true);
    const invoice = await client.getEntitySet('salesInvoices').retrieve(key(outcome.invoiceId));
    assert.equal(invoice.orderNumber, order.number);
  });

  test("10. quote and order status: BC's salesQuoteEntityBufferStatus / salesOrderEntityBufferStatus, filterable", async () => {
    const orders = client.getEntitySet('salesOrders');
    const line = { lineType: 'Item', lineObjectNumber: 'I-1', quantity: 1 };
    const draft = await orders.create({ customerNumber: 'C-EUR', salesOrderLines: [line] });
    assert.equal(draft.status, 'Draft', 'an open order is a Draft in BC API v2.0');
    const order = await orders.create({ customerNumber: 'C-EUR', salesOrderLines: [line] });
    const act = (path: string) =>
      raw(path, { method: 'POST', headers: { prefer: 'return=representation' } });
    const released = await act(`salesOrders(${order.id})/Microsoft.NAV.release`);
    assert.equal(((await released.json()) as { status: string }).status, 'Open');
    const internal = await getEntity(db, 'salesOrders', order.id);
    assert.ok(internal.ok);
    assert.equal(internal.value['status'], 'Released', 'the ERP itself keeps Open/Released');
    const patched = await raw(`salesOrders(${order.id})`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'if-match': '*' },
      body: JSON.stringify({ externalDocumentNumber: 'EXT-10' }),
    });
    assert.equal(((await patched.json()) as { status: string }).status, 'Open');
    const byStatus = async (set: string, status: string) =>
      new Set(
        (
          await client.getEntitySet(set).query(client.newParam().filter(`status eq '${status}'`))
        ).map((r: { id: string; status: string }) => {
          assert.equal(r.status, status);
          return r.id;
        }),
      );
    const open = await byStatus('salesOrders', 'Open');
    const drafts = await byStatus('salesOrders', 'Draft');
    assert.ok(open.has(order.id) && !open.has(draft.id));
    assert.ok(drafts.has(draft.id) && !drafts.has(order.id));
    assert.equal((await byStatus('salesOrders', 'Released')).size, 0, 'not a BC value');
    const reopened = await act(`salesOrders(${order.id})/Microsoft.NAV.reopen`);
    assert.equal(((await reopened.json()) as { status: string }).status, 'Draft');

    // BC derives a quote's status from sending and accepting it, not from release.
    const quotes = client.getEntitySet('salesQuotes');
    const quote = await quotes.create({ customerNumber: 'C-EUR', salesQuoteLines: [line] });
    assert.equal(quote.status, 'Draft');
    const releasedQuote = await act(`salesQuotes(${quote.id})/Microsoft.NAV.release`);
    assert.equal(((await releasedQuote.json()) as { status: string }).status, 'Draft');
    assert.ok((await byStatus('salesQuotes', 'Draft')).has(quote.id));
    assert.equal((await byStatus('salesQuotes', 'Sent')).size, 0);
    const made = await act(`salesQuotes(${quote.id})/Microsoft.NAV.makeOrder`);
    assert.equal(made.status, 201);
    assert.equal(((await made.json()) as { status: string }).status, 'Draft');

    const xml = await (await raw(`${server.baseUrl}/api/v2.0/$metadata`)).text();
    const statusOf = (type: string) =>
      xml
        .split(`<EntityType Name="${type}">`)[1]
        ?.split('</EntityType>')[0]
        ?.match(/<Property Name="status"[^>]*>.*?<\/Property>/)?.[0];
    assert.match(statusOf('salesOrder') ?? '', /One of: 'Draft', 'In Review', 'Open'/);
    assert.match(statusOf('salesQuote') ?? '', /One of: 'Draft', 'Sent', 'Accepted', 'Expired'/);
  });

  test('8. draft invoices and credit memos: created, listed with posted ones, posted with Microsoft.NAV.post', async () => {
    const invoices = client.getEntitySet('salesInvoices');
    const draft = await invoices.create({
      customerId: ids.eur.id,
      salesInvoiceLines: [{ lineType: 'Resource', lineObjectNumber: 'R-1', quantity: 2 }],
    });
    assert.equal(draft.status, 'Draft');
    assert.equal(draft.totalAmountIncludingTax, 125);
    await invoices.action('Microsoft.NAV.post', key(draft.id));
    assert.equal(seen.at(-1)?.status, 204);
    const posted = await invoices.retrieve(key(draft.id));
    assert.equal(posted.status, 'Open', 'the posted invoice keeps the draft’s id');
    const memos = client.getEntitySet('salesCreditMemos');
    const memo = await memos.create({
      customerNumber: 'C-EUR',
      invoiceId: draft.id,
      salesCreditMemoLines: [{ lineType: 'Resource', lineObjectNumber: 'R-1', quantity: 1 }],
    });
    assert.equal(memo.invoiceNumber, posted.number);
    await memos.action('Microsoft.NAV.post', key(memo.id));
    const paidHalf = await invoices.retrieve(key(draft.id));
    assert.equal(paidHalf.remainingAmount, 62.5);
    const listed = await memos.query(client.newParam().filter(`invoiceId eq ${draft.id}`));
    assert.deepEqual(
      listed.map((m: { id: string; status: string }) => [m.id, m.status]),
      [[memo.id, 'Paid']],
    );
    const xml = await (await raw(`${server.baseUrl}/api/v2.0/$metadata`)).text();
    assert.match(
      xml,
      /<EntitySet Name="salesCreditMemos" EntityType="Microsoft.NAV.salesCreditMemo">/,
    );
    assert.match(xml, /<Action Name="post" IsBound="true">/);
  });

  test("7. errors carry BC's error codes, the ERP's own code as innererror", async () => {
    const cases: [string, RequestInit, number, string, string][] = [
      [
        'customers(00000000-0000-0000-0000-000000000001)',
        {},
        404,
        'Internal_RecordNotFound',
        'not_found',
      ],
      ['spaceships', {}, 404, 'BadRequest_ResourceNotFound', 'resource_not_found'],
      ['customers?$filter=nope eq 1', {}, 400, 'BadRequest_NotFound', 'invalid_filter'],
      [
        'items',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"displayName":"x","inventory":1}',
        },
        400,
        'BadRequest_InvalidOperation',
        'read_only_field',
      ],
      [
        `customers(${ids.eur.id})`,
        {
          method: 'PATCH',
          headers: { 'content-type': 'application/json', 'if-match': 'W/"1"' },
          body: '{}',
        },
        412,
        'Request_EntityChanged',
        'precondition_failed',
      ],
    ];
    for (const [path, init, status, bc, own] of cases) {
      const res = await raw(path, init);
      const body = (await res.json()) as {
        error: { code: string; message: string; innererror: { code: string } };
      };
      assert.equal(res.status, status, path);
      assert.equal(body.error.code, bc, path);
      assert.equal(body.error.innererror.code, own, path);
      assert.ok(body.error.message);
    }
    const anonymous = await fetch(`${base}customers`);
    assert.equal(
      ((await anonymous.json()) as { error: { code: string } }).error.code,
      'Authentication_InvalidCredentials',
    );
    await assert.rejects(
      client.getEntitySet('customers').retrieve(key('00000000-0000-0000-0000-000000000001')),
      /No customers record/,
    );
  });
});
