import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mustEntity, wireName } from '../../src/crm-emulator/catalogue/index.ts';
import { useCrmEmulator } from './emulator-fixture.ts';

const crm = useCrmEmulator({}, async () => {
  for (let i = 1; i <= 12; i++) {
    await crm.api.create('contacts', {
      firstname: i % 2 ? 'Odd' : 'Even',
      lastname: `Person ${String(i).padStart(2, '0')}`,
      jobtitle: i <= 3 ? 'Buyer' : null,
      emailaddress1: `p${i}@example.com`,
    });
  }
});

const names = (r: { json: { value: { lastname: string }[] } }) =>
  r.json.value.map((x) => x.lastname);

test('$select, $filter, $orderby and $top', async () => {
  const r = await crm.api.get(
    `contacts?$select=lastname,firstname&$filter=firstname eq 'odd' and contains(lastname,'person')&$orderby=lastname desc&$top=3`,
  );
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(names(r), ['Person 11', 'Person 09', 'Person 07']);
  assert.deepEqual(Object.keys(r.json.value[0]).sort(), [
    '@odata.etag',
    'contactid',
    'firstname',
    'lastname',
  ]);
  assert.match(r.json['@odata.context'], /\$metadata#contacts\(lastname,firstname\)$/);
  assert.equal(r.json['@odata.nextLink'], undefined);
});

test('filter operators: or/not, startswith/endswith, null, In, Between, dates', async () => {
  const q = async (filter: string) =>
    names(
      await crm.api.get(
        `contacts?$select=lastname&$orderby=lastname&$filter=${encodeURIComponent(filter)}`,
      ),
    );
  assert.deepEqual(await q("lastname eq 'Person 01' or lastname eq 'Person 02'"), [
    'Person 01',
    'Person 02',
  ]);
  assert.equal((await q("not startswith(lastname,'Person 1')")).length, 9);
  assert.deepEqual(await q("endswith(emailaddress1,'12@example.com')"), ['Person 12']);
  assert.equal((await q('jobtitle ne null')).length, 3);
  assert.equal((await q('jobtitle eq null')).length, 9);
  assert.deepEqual(
    await q(
      `Microsoft.Dynamics.CRM.In(PropertyName='lastname',PropertyValues=['Person 03','Person 04'])`,
    ),
    ['Person 03', 'Person 04'],
  );
  assert.equal((await q(`statecode eq 0 and (firstname eq 'Even')`)).length, 6);
  assert.equal((await q('modifiedon gt 2000-01-01T00:00:00Z')).length, 12);
  assert.equal((await q('modifiedon lt 2000-01-01')).length, 0);
  assert.equal(
    (
      await q(
        `Microsoft.Dynamics.CRM.Between(PropertyName='versionnumber',PropertyValues=["0","999999999"])`,
      )
    ).length,
    12,
  );
});

test('$filter through a single-valued navigation property', async () => {
  const contact = (await crm.api.get("contacts?$select=contactid&$filter=lastname eq 'Person 05'"))
    .json.value[0].contactid;
  await crm.api.create('accounts', {
    name: 'Nav A',
    'primarycontactid@odata.bind': `/contacts(${contact})`,
  });
  await crm.api.create('accounts', { name: 'Nav B' });
  const r = await crm.api.get(
    `accounts?$select=name&$filter=${encodeURIComponent("primarycontactid/lastname eq 'person 05' and startswith(name,'Nav')")}`,
  );
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(
    r.json.value.map((v: { name: string }) => v.name),
    ['Nav A'],
  );
  const c = await crm.api.get(
    `accounts?$select=name&$filter=${encodeURIComponent("contains(primarycontactid/emailaddress1,'p5@')")}`,
  );
  assert.deepEqual(
    c.json.value.map((v: { name: string }) => v.name),
    ['Nav A'],
  );
  assert.equal((await crm.api.get('accounts?$filter=ownerid/fullname eq 1')).status, 400);
});

test('paging with odata.maxpagesize and @odata.nextLink; $count', async () => {
  const seen: string[] = [];
  let url = 'contacts?$select=lastname&$orderby=lastname&$count=true';
  let pages = 0;
  for (;;) {
    const r = await crm.api.get(url, { prefer: 'odata.maxpagesize=5' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('preference-applied'), 'odata.maxpagesize=5');
    if (pages === 0) assert.equal(r.json['@odata.count'], 12);
    seen.push(...names(r));
    pages++;
    if (!r.json['@odata.nextLink']) break;
    assert.match(r.json['@odata.nextLink'], /\$skiptoken=/);
    url = r.json['@odata.nextLink'];
  }
  assert.equal(pages, 3);
  assert.equal(seen.length, 12);
  assert.deepEqual(seen, [...seen].sort());
  const total = await crm.api.get('contacts?$select=lastname&$count=true&$top=1', {
    prefer: 'odata.include-annotations="Microsoft.Dynamics.CRM.*"',
  });
  assert.equal(total.json['@Microsoft.Dynamics.CRM.totalrecordcount'], 12);
  assert.equal(total.json['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded'], false);
  const count = await crm.api.get('contacts/$count');
  assert.equal(count.text, '12');
});

test('option-set formatted values', async () => {
  const r = await crm.api.get('contacts?$select=statecode,statuscode&$top=1', {
    prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"',
  });
  const row = r.json.value[0];
  assert.match(r.headers.get('preference-applied') ?? '', /odata\.include-annotations=/);
  assert.equal(row['statecode@OData.Community.Display.V1.FormattedValue'], 'Active');
  assert.equal(row['statuscode@OData.Community.Display.V1.FormattedValue'], 'Active');
});

test('bad queries answer 400 with the Dataverse error body', async () => {
  for (const path of [
    'contacts?$filter=nosuchcolumn eq 1',
    "contacts?$filter=lastname eq 'unterminated",
    'contacts?$filter=lastname eq',
    'contacts?$select=nosuch',
    'contacts?$orderby=nosuch',
    'contacts?$skip=5',
    "contacts?$filter=statecode eq 'x'",
    'contacts(not-a-guid)',
    'accounts?$expand=primarycontactid($select=nosuch)',
    'accounts?$expand=nosuchnav',
    'quotes?$expand=quote_details($filter=nosuch eq 1)',
  ]) {
    const r = await crm.api.get(path);
    assert.equal(r.status, 400, `${path}: ${r.text}`);
    assert.match(r.json.error.code, /^0x[0-9a-f]{8}$/);
    assert.ok(r.json.error.message);
  }
  const unknown = await crm.api.get('nosuchthings');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.error.message, "Resource not found for the segment 'nosuchthings'.");
});

test('a $select answers the same values whether the rows are read slim or whole: lookups, money and its currency, nulls, every column', async () => {
  const contact = await crm.api.create('contacts', { firstname: 'Ada', lastname: 'Lovelace' });
  const account = await crm.api.create('accounts', {
    name: 'Analytical Engines',
    creditlimit: 1500,
    telephone1: null,
    'primarycontactid@odata.bind': `/contacts(${contact})`,
  });
  const select = 'name,creditlimit,telephone1,_primarycontactid_value,versionnumber,modifiedon';
  const one = `accounts?$filter=accountid eq ${account}`;
  const slim = await crm.api.get(`${one}&$select=${select}`);
  assert.equal(slim.status, 200, slim.text);
  // With annotations asked, rows are read whole: the plain values must not differ.
  const annotated = await crm.api.get(`${one}&$select=${select}`, {
    prefer: 'odata.include-annotations="*"',
  });
  const plain = Object.fromEntries(
    Object.entries(annotated.json.value[0]).filter(
      ([k]) => !k.includes('@') || k === '@odata.etag',
    ),
  );
  assert.deepEqual(slim.json.value[0], plain);
  assert.equal(slim.json.value[0].name, 'Analytical Engines');
  assert.equal(slim.json.value[0].creditlimit, 1500);
  assert.equal(slim.json.value[0].telephone1, null);
  assert.equal(slim.json.value[0]._primarycontactid_value, contact);
  assert.ok(Number(slim.json.value[0].versionnumber) > 0);
  assert.ok(
    '_transactioncurrencyid_value' in slim.json.value[0],
    'a money column brings its currency',
  );
  // Every column named reads like no $select.
  const whole = await crm.api.get(one);
  const every = Object.keys(whole.json.value[0]).filter((k) => !k.startsWith('@'));
  const named = await crm.api.get(`${one}&$select=${every.join(',')}`);
  assert.equal(named.status, 200, named.text);
  assert.deepEqual(named.json.value[0], whole.json.value[0]);
  // Orders have more columns than one PostgreSQL object of pairs can take: read whole.
  const order = mustEntity('salesorder');
  const columns = Object.entries(order.columns).map(([c, d]) => wireName(c, d));
  assert.ok(columns.length > 50, `${columns.length} columns`);
  const orders = await crm.api.get(`salesorders?$select=${columns.join(',')}&$top=1`);
  assert.equal(orders.status, 200, orders.text);
});

test('a slim change-tracking read answers the selected columns as a whole read does', async () => {
  const id = await crm.api.create('accounts', {
    name: 'Tracked',
    creditlimit: 10,
    telephone1: '+47 1',
  });
  const select = 'accountid,versionnumber,_modifiedby_value,modifiedon,name';
  const tracked = await crm.api.get(`accounts?$select=${select}`, {
    prefer: 'odata.track-changes,odata.maxpagesize=5000',
  });
  assert.equal(tracked.status, 200, tracked.text);
  const row = tracked.json.value.find((v: { accountid: string }) => v.accountid === id);
  const plain = await crm.api.get(`accounts(${id})?$select=${select}`);
  const { '@odata.context': _, ...expected } = plain.json;
  assert.deepEqual(row, expected);
  assert.ok(row._modifiedby_value, 'the modifier is there');
});
