import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchBody, type Op } from './batch-body.ts';
import { useCrmEmulator } from './emulator-fixture.ts';

const crm = useCrmEmulator();

async function runBatch(items: (Op | Op[])[], headers: Record<string, string> = {}, eol = '\n') {
  const { body, contentType } = batchBody(items, eol);
  return crm.api.call('POST', '$batch', body, { 'content-type': contentType, ...headers });
}

const statuses = (text: string) =>
  [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
const count = async (filter: string) =>
  Number((await crm.api.get(`accounts/$count?$filter=${encodeURIComponent(filter)}`)).text);

test('a change set is atomic, echoes Content-IDs and resolves $n references', async () => {
  const r = await runBatch(
    [
      [
        {
          method: 'POST',
          url: `${crm.emulator.apiUrl}contacts`,
          body: { lastname: 'Batch Contact' },
          contentId: '1',
        },
        {
          method: 'POST',
          url: '/api/data/v9.2/accounts',
          body: { name: 'Batch A', 'primarycontactid@odata.bind': '$1' },
          contentId: '2',
        },
        { method: 'PATCH', url: '$2', body: { telephone1: '42' }, contentId: '3' },
      ],
      {
        method: 'GET',
        url: `accounts?$select=name,telephone1,_primarycontactid_value&$filter=name eq 'Batch A'`,
      },
    ],
    {},
    '\r\n',
  );
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type')!, /^multipart\/mixed; boundary=batchresponse_/);
  assert.deepEqual(statuses(r.text), [204, 204, 204, 200]);
  assert.match(r.text, /changesetresponse_/);
  assert.match(r.text, /Content-ID: 2/);
  const got = JSON.parse(
    r.text.slice(r.text.indexOf('{"@odata.context"'), r.text.lastIndexOf('}') + 1),
  );
  assert.equal(got.value[0].telephone1, '42');
  assert.ok(got.value[0]._primarycontactid_value);
});

test('creates in one change set may bind to each other by Content-ID', async () => {
  const r = await runBatch([
    [
      { method: 'POST', url: 'accounts', body: { name: 'Parent Co' }, contentId: '1' },
      {
        method: 'POST',
        url: 'accounts',
        body: { name: 'Child Co', 'parentaccountid@odata.bind': '$1' },
        contentId: '2',
      },
      {
        method: 'POST',
        url: 'accounts',
        body: { name: 'Grandchild Co', 'parentaccountid@odata.bind': '$2' },
      },
    ],
  ]);
  assert.equal(r.status, 200, r.text);
  const rows = await crm.api.get(
    `accounts?$select=name&$filter=${encodeURIComponent("parentaccountid/name eq 'Child Co'")}`,
  );
  assert.deepEqual(
    rows.json.value.map((v: { name: string }) => v.name),
    ['Grandchild Co'],
  );
});

test('a failing change set writes nothing and answers the failing operation', async () => {
  const before = await count("startswith(name,'Atomic')");
  const r = await runBatch([
    [
      { method: 'POST', url: 'accounts', body: { name: 'Atomic 1' }, contentId: '1' },
      { method: 'POST', url: 'accounts', body: { name: 'Atomic 2' }, contentId: '2' },
      {
        method: 'POST',
        url: 'accounts',
        body: { name: 'Atomic 3', nosuchcolumn: 1 },
        contentId: '3',
      },
    ],
  ]);
  assert.equal(r.status, 400, r.text);
  assert.deepEqual(statuses(r.text), [400]);
  assert.match(r.text, /0x80048d19/);
  assert.equal(await count("startswith(name,'Atomic')"), before);
});

test('outside change sets: stop at the first error, or go on with odata.continue-on-error', async () => {
  const ops: Op[] = [
    { method: 'POST', url: 'accounts', body: { name: 'Loose 1' } },
    { method: 'POST', url: 'accounts', body: { name: 'Loose 2', bad: true } },
    { method: 'POST', url: 'accounts', body: { name: 'Loose 3' } },
  ];
  const stopped = await runBatch(ops);
  assert.equal(stopped.status, 400);
  assert.deepEqual(statuses(stopped.text), [204, 400]);
  assert.equal(await count("startswith(name,'Loose')"), 1);
  const goOn = await runBatch(ops, { prefer: 'odata.continue-on-error' });
  assert.equal(goOn.status, 200);
  assert.deepEqual(statuses(goOn.text), [204, 400, 204]);
  assert.equal(await count("startswith(name,'Loose')"), 3);
});

test('a large change set of creates is written at once', async () => {
  const ops: Op[] = Array.from({ length: 300 }, (_, i) => ({
    method: 'POST',
    url: `${crm.emulator.apiUrl}accounts`,
    body: { name: `Bulk ${i}`, accountnumber: `B${i}` },
    contentId: String(i + 1),
  }));
  const r = await runBatch([ops]);
  assert.equal(r.status, 200);
  assert.equal(statuses(r.text).filter((s) => s === 204).length, 300);
  assert.equal(await count("startswith(name,'Bulk ')"), 300);
  const dup = await runBatch([[ops[0]!, { ...ops[0]!, body: { name: 'Bulk dup' } }]]);
  assert.equal(dup.status, 200);
  const id = /accounts\(([0-9a-f-]{36})\)/.exec(dup.text)![1];
  const conflict = await runBatch([
    [
      { method: 'POST', url: 'accounts', body: { name: 'Bulk x1' } },
      { method: 'POST', url: 'accounts', body: { name: 'Bulk x2', accountid: id } },
    ],
  ]);
  assert.equal(conflict.status, 400);
  assert.deepEqual(statuses(conflict.text), [412]);
  assert.equal(await count("startswith(name,'Bulk x')"), 0);
});

test('price list items of a change set take their own product and price list, or fail together', async () => {
  const uom = (
    await crm.api.get("uoms?$filter=name eq 'Primary Unit'&$select=uomid,_uomscheduleid_value")
  ).json.value[0];
  const nok = await crm.api.create('transactioncurrencies', {
    currencyname: 'Norwegian krone',
    isocurrencycode: 'NOK',
    currencysymbol: 'kr',
    exchangerate: 11.5,
  });
  const lists = [
    (await crm.api.get('pricelevels?$select=name,_transactioncurrencyid_value')).json.value[0],
    {
      pricelevelid: await crm.api.create('pricelevels', {
        name: 'Oslo',
        'transactioncurrencyid@odata.bind': `/transactioncurrencies(${nok})`,
      }),
      _transactioncurrencyid_value: nok,
    },
  ];
  const products = [];
  for (const name of ['Saddle', 'Pedal', 'Chain'])
    products.push(
      await crm.api.create('products', {
        name,
        productnumber: name.toUpperCase(),
        'defaultuomscheduleid@odata.bind': `/uomschedules(${uom._uomscheduleid_value})`,
        'defaultuomid@odata.bind': `/uoms(${uom.uomid})`,
      }),
    );
  const item = (product: string, list: string, amount: number): Op => ({
    method: 'POST',
    url: 'productpricelevels',
    body: {
      'pricelevelid@odata.bind': `/pricelevels(${list})`,
      'productid@odata.bind': `/products(${product})`,
      'uomid@odata.bind': `/uoms(${uom.uomid})`,
      amount,
    },
  });
  const pairs = products.flatMap((p, i) => lists.map((l, k) => ({ p, l, amount: 10 * i + k + 1 })));
  const r = await runBatch([pairs.map((x) => item(x.p, x.l.pricelevelid, x.amount))]);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(
    statuses(r.text),
    pairs.map(() => 204),
  );
  const select =
    '$select=productidname,amount,_productid_value,_uomscheduleid_value,_transactioncurrencyid_value';
  const read = await crm.api.get(
    `productpricelevels?${select}&$filter=_uomid_value eq ${uom.uomid} and amount lt 100`,
  );
  const names = ['Saddle', 'Pedal', 'Chain'];
  assert.deepEqual(
    read.json.value
      .map((v: Record<string, unknown>) => [
        v.amount,
        v.productidname,
        v._productid_value,
        v._transactioncurrencyid_value,
        v._uomscheduleid_value,
      ])
      .sort((a: number[], b: number[]) => a[0]! - b[0]!),
    pairs.map((x, i) => [
      x.amount,
      names[Math.floor(i / 2)],
      x.p,
      x.l._transactioncurrencyid_value,
      uom._uomscheduleid_value,
    ]),
  );
  // One item naming a product that does not exist: the change set writes none of them.
  const missing = '00000000-0000-0000-0000-00000000abcd';
  const failed = await runBatch([
    [item(products[0]!, lists[0].pricelevelid, 501), item(missing, lists[0].pricelevelid, 502)],
  ]);
  assert.equal(failed.status, 400);
  assert.deepEqual(statuses(failed.text), [404]);
  const none = await crm.api.get('productpricelevels?$select=amount&$filter=amount gt 500');
  assert.equal(none.json.value.length, 0);
});

test('deep inserts in a change set: each record with its own related rows, or nothing at all', async () => {
  const account = (name: string, contacts: string[], extra: Record<string, unknown> = {}): Op => ({
    method: 'POST',
    url: 'accounts',
    body: {
      name,
      contact_customer_accounts: contacts.map((lastname) => ({ lastname })),
      ...extra,
    },
  });
  const contactsOf = async (name: string) => {
    const id = (await crm.api.get(`accounts?$select=name&$filter=name eq '${name}'`)).json.value[0]
      .accountid;
    const r = await crm.api.get(
      `contacts?$select=lastname&$filter=_parentcustomerid_value eq ${id}`,
    );
    return r.json.value.map((c: { lastname: string }) => c.lastname).sort();
  };
  // Flat deep inserts (written in bulk), then one that nests a new primary contact (one by one).
  const flat = await runBatch([
    [account('Deep A', ['A1', 'A2']), account('Deep B', []), account('Deep C', ['C1'])],
    [
      account('Deep D', ['D1']),
      account('Deep E', ['E1'], { primarycontactid: { lastname: 'E primary' } }),
    ],
  ]);
  assert.equal(flat.status, 200, flat.text);
  assert.deepEqual(statuses(flat.text), [204, 204, 204, 204, 204]);
  assert.deepEqual(await contactsOf('Deep A'), ['A1', 'A2']);
  assert.deepEqual(await contactsOf('Deep B'), []);
  assert.deepEqual(await contactsOf('Deep C'), ['C1']);
  assert.deepEqual(await contactsOf('Deep D'), ['D1']);
  assert.deepEqual(await contactsOf('Deep E'), ['E1']);
  // A related row the table refuses fails its change set: no record, no related row.
  const bad = await runBatch([
    [
      account('Deep F', ['F1']),
      account('Deep G', ['G1']),
      {
        ...account('Deep H', []),
        body: { name: 'Deep H', contact_customer_accounts: [{ lastname: 'H1', nosuchcolumn: 1 }] },
      },
    ],
  ]);
  assert.equal(bad.status, 400);
  assert.deepEqual(statuses(bad.text), [400]);
  assert.equal(await count("startswith(name,'Deep ') and name ge 'Deep F'"), 0);
  const orphans = await crm.api.get(
    "contacts?$select=lastname&$filter=lastname eq 'F1' or lastname eq 'G1'",
  );
  assert.equal(orphans.json.value.length, 0);
});

test('broken multipart and too many requests are rejected with nothing written', async () => {
  const before = await count("name eq 'Broken'");
  const { body, contentType } = batchBody([
    [{ method: 'POST', url: 'accounts', body: { name: 'Broken' } }],
  ]);
  const truncated = await crm.api.call(
    'POST',
    '$batch',
    body.slice(0, body.lastIndexOf('--batch')),
    {
      'content-type': contentType,
    },
  );
  assert.equal(truncated.status, 400, truncated.text);
  assert.ok(truncated.json.error.message);
  const noBoundary = await crm.api.call('POST', '$batch', body, {
    'content-type': 'multipart/mixed',
  });
  assert.equal(noBoundary.status, 400);
  const getInChangeSet = await runBatch([[{ method: 'GET', url: 'accounts' }]]);
  assert.equal(getInChangeSet.status, 400);
  const tooMany = await runBatch(
    Array.from({ length: 1001 }, () => ({ method: 'GET', url: 'accounts?$top=1' })),
  );
  assert.equal(tooMany.status, 400);
  assert.equal(await count("name eq 'Broken'"), before);
});
