import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useCrmEmulator } from './emulator-fixture.ts';

const crm = useCrmEmulator();

test('service document and $metadata describe the tables, lookups and actions', async () => {
  const service = await crm.api.get('');
  assert.equal(service.status, 200);
  const sets = service.json.value.map((v: { name: string }) => v.name);
  for (const s of [
    'accounts',
    'contacts',
    'salesorders',
    'salesorderdetails',
    'nav_accountstatisticses',
    'posts',
  ]) {
    assert.ok(sets.includes(s), s);
  }
  const meta = await crm.api.get('$metadata?annotations=true', { accept: 'application/xml' });
  assert.equal(meta.status, 200);
  assert.match(meta.headers.get('content-type') ?? '', /application\/xml/);
  const xml = meta.text;
  assert.match(xml, /<Schema Namespace="Microsoft\.Dynamics\.CRM" Alias="mscrm"/);
  assert.match(xml, /<EntitySet Name="accounts" EntityType="mscrm\.account">/);
  assert.match(xml, /<NavigationProperty Name="primarycontactid" Type="mscrm\.contact">/);
  assert.match(xml, /<NavigationProperty Name="customerid_account" Type="mscrm\.account">/);
  assert.match(xml, /<Property Name="_primarycontactid_value" Type="Edm\.Guid">/);
  assert.match(xml, /<Action Name="WinQuote">/);
  assert.match(xml, /<FunctionImport Name="WhoAmI" Function="mscrm\.WhoAmI"\/>/);
  assert.match(xml, /Org\.OData\.Capabilities\.V1\.ChangeTracking/);
  // Every opened element is closed.
  const tags = [...xml.matchAll(/<(\/?)([A-Za-z:]+)[^>]*?(\/?)>/g)];
  const stack: string[] = [];
  for (const m of tags) {
    if (m[1] === '/') assert.equal(stack.pop(), m[2]);
    else if (m[3] !== '/') stack.push(m[2]!);
  }
  assert.deepEqual(stack, []);
});

test('CreateMultiple, UpdateMultiple and UpsertMultiple run in one transaction', async () => {
  const type = { '@odata.type': 'Microsoft.Dynamics.CRM.account' };
  const created = await crm.api.post('accounts/Microsoft.Dynamics.CRM.CreateMultiple', {
    Targets: [
      { ...type, name: 'Multi 1' },
      { ...type, name: 'Multi 2' },
    ],
  });
  assert.equal(created.status, 200, created.text);
  assert.equal(created.json.Ids.length, 2);
  const [a, b] = created.json.Ids;
  const updated = await crm.api.post('accounts/Microsoft.Dynamics.CRM.UpdateMultiple', {
    Targets: [
      { ...type, accountid: a, telephone1: '1' },
      { ...type, accountid: b, telephone1: '2' },
    ],
  });
  assert.equal(updated.status, 204, updated.text);
  const fresh = '7a6d1c2e-0000-4000-8000-000000000077';
  const upserted = await crm.api.post('accounts/Microsoft.Dynamics.CRM.UpsertMultiple', {
    Targets: [
      { ...type, accountid: a, name: 'Multi 1b' },
      { ...type, accountid: fresh, name: 'Multi 3' },
    ],
  });
  assert.equal(upserted.status, 200, upserted.text);
  assert.deepEqual(
    upserted.json.Results.map((r: { RecordCreated: boolean }) => r.RecordCreated),
    [false, true],
  );
  const missingType = await crm.api.post('accounts/Microsoft.Dynamics.CRM.CreateMultiple', {
    Targets: [{ name: 'Multi no type' }],
  });
  assert.equal(missingType.status, 400);
  const failing = await crm.api.post('accounts/Microsoft.Dynamics.CRM.CreateMultiple', {
    Targets: [
      { ...type, name: 'Multi rollback' },
      { ...type, name: 'Multi rollback', nosuch: 1 },
    ],
  });
  assert.equal(failing.status, 400);
  const names = await crm.api.get(
    "accounts?$select=name,telephone1&$filter=startswith(name,'Multi')&$orderby=name",
  );
  assert.deepEqual(
    names.json.value.map((v: { name: string; telephone1: string | null }) => [
      v.name,
      v.telephone1,
    ]),
    [
      ['Multi 1b', '1'],
      ['Multi 2', '2'],
      ['Multi 3', null],
    ],
  );
});

test('bad writes answer Dataverse errors and write nothing', async () => {
  const count = async () => Number((await crm.api.get('accounts/$count')).text);
  const before = await count();
  const cases: [unknown, number, string][] = [
    [{ name: 'x', nosuchcolumn: 1 }, 400, '0x80048d19'],
    [{ name: 'x'.repeat(161) }, 400, '0x80044331'],
    [{ name: 'x', creditlimit: 'lots' }, 400, '0x80040203'],
    [{ name: 'x', customertypecode: 99 }, 400, '0x80044331'],
    [{ name: 'x', 'primarycontactid@odata.bind': '/contacts(nope)' }, 400, '0x80040203'],
    [
      { name: 'x', 'nosuchnav@odata.bind': '/contacts(00000000-0000-0000-0000-000000000001)' },
      400,
      '0x80048d19',
    ],
    [{ name: 'x', accountid: 'not-a-guid' }, 400, '0x80040203'],
  ];
  for (const [body, status, code] of cases) {
    const r = await crm.api.post('accounts', body);
    assert.equal(r.status, status, JSON.stringify(body));
    assert.equal(r.json.error.code, code, JSON.stringify(body));
  }
  const broken = await crm.api.post('accounts', '{"name": ');
  assert.equal(broken.status, 400);
  assert.equal(await count(), before);
  const badKey = await crm.api.patch('accounts(123)', { name: 'x' });
  assert.equal(badKey.status, 400);
  assert.equal(
    (await crm.api.patch('nosuchsets(00000000-0000-0000-0000-000000000001)', {})).status,
    404,
  );
});
