import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useFixture } from '../helpers/use-fixture.ts';
import { erpClient } from './api-client.ts';
import { startErpApi } from './fixtures.ts';

let readOnly: ReturnType<typeof erpClient>;
const fx = useFixture(
  () => startErpApi(),
  async ({ server, ids }) => {
    readOnly = erpClient(server, await server.tokenFor('readOnly'), ids.companyId);
  },
);

const code = (r: { body: { error?: { innererror?: { code: string } } } }) =>
  r.body?.error?.innererror?.code;

describe('ERP API input errors', () => {
  test('unknown field → 400 unknown_field', async () => {
    const r = await fx.api.post('customers', { displayName: 'X', colour: 'red' });
    assert.equal(r.status, 400);
    assert.equal(code(r), 'unknown_field');
    assert.match(r.body.error.message, /colour/);
    const line = await fx.api.post('salesOrders', {
      customerNumber: 'C-EUR',
      salesOrderLines: [{ lineObjectNumber: 'I-1', quantity: 1, size: 'XL' }],
    });
    assert.equal(code(line), 'unknown_field');
  });

  test('wrong type → 400 validation_failed; read-only field → 400', async () => {
    const r = await fx.api.post('customers', { displayName: 'X', creditLimit: 'lots' });
    assert.equal(r.status, 400);
    assert.equal(code(r), 'validation_failed');
    const b = await fx.api.post('customers', { displayName: 'X', blocked: 'Sometimes' });
    assert.equal(code(b), 'validation_failed');
    const ro = await fx.api.post('items', { displayName: 'X', inventory: 5 });
    assert.equal(ro.status, 400);
    assert.equal(code(ro), 'read_only_field');
    const action = await fx.api.action(`salesOrders(${fx.ids.eur.id})/Microsoft.NAV.ship`, {
      when: 1,
    });
    assert.equal(action.status, 400);
    assert.equal(code(action), 'unknown_field');
    const qty = await fx.api.action(`salesOrders(${fx.ids.eur.id})/Microsoft.NAV.ship`, {
      lines: [{ sequence: 10000, shipQuantity: -1 }],
    });
    assert.equal(code(qty), 'validation_failed');
    const notAnOrder = await fx.api.action(`salesOrders(${fx.ids.eur.id})/Microsoft.NAV.ship`, {});
    assert.equal(notAnOrder.status, 404); // a customer id is not an order
  });

  test('bad GUID → 400 invalid_id; unknown id → 404; unknown entity set → 404', async () => {
    const bad = await fx.api.get('customers(12345)');
    assert.equal(bad.status, 400);
    assert.equal(code(bad), 'invalid_id');
    const missing = await fx.api.get('customers(00000000-0000-0000-0000-000000000001)');
    assert.equal(missing.status, 404);
    assert.equal(code(missing), 'not_found');
    assert.equal((await fx.api.get('spaceships')).status, 404);
    const company = await fx.api.get(
      `${fx.server.baseUrl}/api/v2.0/companies(00000000-0000-0000-0000-000000000002)/customers`,
    );
    assert.equal(company.status, 404);
  });

  test('bad $filter → 400 invalid_filter; unknown $orderby → 400', async () => {
    for (const f of [
      "displayName eq 'x",
      'displayName eq 5',
      "colour eq 'red'",
      "displayName eq 'a' and",
      "displayName eq 'a'; DROP TABLE erp.customers",
      'creditLimit gt 5 or (number eq',
    ]) {
      const r = await fx.api.get(`customers?$filter=${encodeURIComponent(f)}`);
      assert.equal(r.status, 400, f);
      assert.equal(code(r), 'invalid_filter', f);
    }
    const o = await fx.api.get('customers?$orderby=colour');
    assert.equal(code(o), 'invalid_query');
    const t = await fx.api.get('customers?$top=-1');
    assert.equal(code(t), 'invalid_query');
  });

  test('lists filter, order, page and select', async () => {
    const r = await fx.api.get(
      `customers?$filter=${encodeURIComponent("(startswith(number,'C-') and creditLimit ge 0) or city eq 'Nowhere'")}&$orderby=number desc&$top=1&$skip=1&$select=number,displayName`,
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.value, [
      {
        '@odata.etag': r.body.value[0]['@odata.etag'],
        id: fx.ids.eur.id,
        number: 'C-EUR',
        displayName: 'Adatum GmbH',
      },
    ]);
    const c = await fx.api.get(
      `customers?$filter=${encodeURIComponent("contains(displayName,'abrik')")}`,
    );
    assert.deepEqual(
      c.body.value.map((x: { number: string }) => x.number),
      ['C-USD'],
    );
    const counted = await fx.api.get(
      "customers?$count=true&$top=1&$filter=startswith(number,'C-')",
    );
    assert.equal(counted.body['@odata.count'], 2);
    assert.equal(counted.body.value.length, 1);
    const companies = await fx.api.get(`${fx.server.baseUrl}/api/v2.0/companies`);
    assert.equal(companies.body.value[0].id, fx.ids.companyId);
  });

  test("a wrong method → 405 BadRequest_MethodNotAllowed, in BC's shape (PUT too, not in BC's API)", async () => {
    const token = await fx.server.tokenFor('orderProcessor');
    const call = async (method: string, path: string) => {
      const res = await fetch(`${fx.api.base}/${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: method === 'DELETE' ? undefined : '{}',
      });
      // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected freely
      return { status: res.status, body: (await res.json()) as any };
    };
    const cases = [
      ['PUT', 'customers'],
      ['PUT', `customers(${fx.ids.usd.id})`],
      ['DELETE', 'salesShipments'],
      ['POST', `customers(${fx.ids.usd.id})`],
    ] as const;
    for (const [method, path] of cases) {
      const r = await call(method, path);
      assert.equal(r.status, 405, `${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'BadRequest_MethodNotAllowed', `${method} ${path}`);
      assert.equal(code(r), 'method_not_allowed');
      assert.match(r.body.error.message, new RegExp(`^${method} is not allowed on `));
    }
  });

  test('PATCH and DELETE need a current ETag: stale → 412, missing → 428', async () => {
    const created = await fx.api.post('customers', { displayName: 'Tailspin Toys' });
    assert.equal(created.status, 201);
    assert.match(created.body.number, /^C\d{5}$/);
    const etag = created.body['@odata.etag'];
    const missing = await fx.api.patch(`customers(${created.body.id})`, { city: 'Oslo' });
    assert.equal(missing.status, 428);
    const ok = await fx.api.patch(`customers(${created.body.id})`, { city: 'Oslo' }, etag);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.city, 'Oslo');
    assert.notEqual(ok.body['@odata.etag'], etag);
    assert.equal(ok.headers.get('etag'), ok.body['@odata.etag']);
    const stale = await fx.api.patch(`customers(${created.body.id})`, { city: 'Bergen' }, etag);
    assert.equal(stale.status, 412);
    assert.equal(code(stale), 'precondition_failed');
    const staleDelete = await fx.api.delete(`customers(${created.body.id})`, etag);
    assert.equal(staleDelete.status, 412);
    const del = await fx.api.delete(`customers(${created.body.id})`, ok.body['@odata.etag']);
    assert.equal(del.status, 204);
    assert.equal((await fx.api.get(`customers(${created.body.id})`)).status, 404);
  });

  test('references must exist, said as BC says it (captions, no SQL); records in use cannot be deleted', async () => {
    const item = (await fx.api.get("items?$filter=number eq 'I-1'")).body.value[0];
    const unit = await fx.api.patch(`items(${item.id})`, { baseUnitOfMeasureCode: 'PACK' }, '*');
    assert.equal(unit.status, 422, JSON.stringify(unit.body));
    assert.equal(unit.body.error.code, 'Internal_InvalidTableRelation');
    assert.equal(code(unit), 'invalid_reference');
    assert.equal(
      unit.body.error.message,
      'The field Base Unit of Measure of table Item contains a value (PACK) that cannot be found in the related table (Unit of Measure).',
    );
    assert.equal(
      (await fx.api.get(`items(${item.id})`)).body.baseUnitOfMeasureCode,
      'PCS',
      'nothing changed',
    );

    const customer = await fx.api.patch(
      `customers(${fx.ids.eur.id})`,
      { paymentTermsCode: '14D' },
      '*',
    );
    assert.equal(customer.status, 422, JSON.stringify(customer.body));
    assert.equal(customer.body.error.code, 'Internal_InvalidTableRelation');
    assert.equal(
      customer.body.error.message,
      'The field Payment Terms Code of table Customer contains a value (14D) that cannot be found in the related table (Payment Terms).',
    );
    const r = await fx.api.post('customers', { displayName: 'X', currencyCode: 'XYZ' });
    assert.equal(r.status, 422);
    assert.equal(code(r), 'invalid_reference');
    assert.equal(
      r.body.error.message,
      'The field Currency Code of table Customer contains a value (XYZ) that cannot be found in the related table (Currency).',
    );
    const unitOfItem = await fx.api.post('itemUnitsOfMeasure', { itemNumber: 'NOPE', code: 'BOX' });
    assert.equal(
      unitOfItem.body.error.message,
      'The field Item No. of table Item Unit of Measure contains a value (NOPE) that cannot be found in the related table (Item).',
    );

    const terms = await fx.api.get("paymentTerms?$filter=code eq '30D'");
    const del = await fx.api.delete(`paymentTerms(${terms.body.value[0].id})`, '*');
    assert.equal(del.status, 409);
    assert.equal(code(del), 'in_use');
    assert.equal(
      del.body.error.message,
      '30D cannot be deleted or renamed: the field Payment Terms Code of table Customer still uses it.',
    );
    const twice = await fx.api.post('unitsOfMeasure', { code: 'BOX', displayName: 'Box again' });
    assert.equal(twice.status, 409);
    assert.equal(
      twice.body.error.message,
      "The record in table Unit of Measure already exists. Identification fields and values: Code='BOX'",
    );
    // None of them says what our SQL calls things.
    for (const answer of [unit, customer, r, unitOfItem, del, twice])
      assert.doesNotMatch(answer.body.error.message, /Key \(|_code|_number|"|constraint|erp\./);
  });

  test('customer statistics are served as customerFinancialDetails', async () => {
    const one = await fx.api.get(`customerFinancialDetails(${fx.ids.eur.id})`);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.number, 'C-EUR');
    assert.equal(one.body.creditLimit, '10000.00');
    const nested = await fx.api.get(`customers(${fx.ids.eur.id})/customerFinancialDetails`);
    assert.deepEqual(nested.body, one.body);
    const list = await fx.api.get("customerFinancialDetails?$filter=number eq 'C-USD'");
    assert.deepEqual(
      list.body.value.map((x: { number: string }) => x.number),
      ['C-USD'],
    );
  });

  test('read-only users can read but not write', async () => {
    assert.equal((await readOnly.get('customers')).status, 200);
    const w = await readOnly.post('customers', { displayName: 'Nope' });
    assert.equal(w.status, 403);
  });

  test('a released order refuses line changes until reopened', async () => {
    const o = await fx.api.post('salesOrders', {
      customerNumber: 'C-EUR',
      salesOrderLines: [{ lineObjectNumber: 'I-1', quantity: 2 }],
    });
    await fx.api.action(`salesOrders(${o.body.id})/Microsoft.NAV.release`);
    const add = await fx.api.post(`salesOrders(${o.body.id})/salesOrderLines`, {
      lineObjectNumber: 'I-1',
      quantity: 1,
    });
    assert.equal(add.status, 409);
    assert.equal(code(add), 'document_released');
    await fx.api.action(`salesOrders(${o.body.id})/Microsoft.NAV.reopen`);
    const added = await fx.api.post(`salesOrders(${o.body.id})/salesOrderLines`, {
      lineObjectNumber: 'I-1',
      unitOfMeasureCode: 'BOX',
      quantity: 1,
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal(added.body.unitPrice, 74.04); // 6 × 12.34
    assert.equal(added.body.sequence, 20000);

    await fx.api.action(`salesOrders(${o.body.id})/Microsoft.NAV.release`);
    const patched = await fx.api.patch(
      `salesOrders(${o.body.id})/salesOrderLines(${added.body.id})`,
      { shipQuantity: 1 },
      added.body['@odata.etag'],
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual([patched.body.shipQuantity, patched.body.invoiceQuantity], [1, 1]);
    const price = await fx.api.patch(
      `salesOrderLines(${added.body.id})`,
      { unitPrice: 1 },
      patched.body['@odata.etag'],
    );
    assert.equal(code(price), 'document_released');
    await fx.api.action(`salesOrders(${o.body.id})/Microsoft.NAV.reopen`);
    const current = await fx.api.get(`salesOrders(${o.body.id})`);
    const del = await fx.api.delete(`salesOrders(${o.body.id})`, current.body['@odata.etag']);
    assert.equal(del.status, 204);
    const event = await fx.db.query<{ payload: { reason: string; number: string } }>(
      "SELECT payload FROM erp.outbox WHERE event_type = 'salesOrder.deleted' AND aggregate_id = $1",
      [o.body.id],
    );
    assert.equal(event.rows[0]?.payload.reason, 'deleted');
    const archived = await fx.api.get(`salesOrderArchives?$filter=documentId eq ${o.body.id}`);
    assert.equal(archived.body.value.length, 1);
    assert.equal(archived.body.value[0].lines.length, 2);
  });
});

test('lists without $top are paged with @odata.nextLink', async () => {
  const bodies = Array.from({ length: 1001 }, (_, i) => ({
    code: `U${String(i).padStart(4, '0')}`,
  }));
  await fx.db.query(`INSERT INTO erp.units_of_measure (code) SELECT unnest($1::text[])`, [
    bodies.map((b) => b.code),
  ]);
  const first = await fx.api.get("unitsOfMeasure?$filter=startswith(code,'U')");
  assert.equal(first.body.value.length, 1000);
  assert.ok(first.body['@odata.nextLink']);
  const second = await fx.api.get(first.body['@odata.nextLink']);
  assert.equal(second.status, 200, JSON.stringify(second.body));
  assert.deepEqual(
    second.body.value.map((u: { code: string }) => u.code),
    ['U1000'],
  );
  assert.equal(second.body['@odata.nextLink'], undefined);
});
