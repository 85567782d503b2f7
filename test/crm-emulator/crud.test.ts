import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useCrmEmulator } from './emulator-fixture.ts';

const crm = useCrmEmulator();

test('create answers 204 with OData-EntityId; read returns the record with its ETag and server columns', async () => {
  const created = await crm.api.post('accounts', {
    name: 'Fabrikam',
    accountnumber: 'C-1',
    creditlimit: 1500.5,
  });
  assert.equal(created.status, 204, created.text);
  const url = created.headers.get('odata-entityid')!;
  assert.match(url, /\/api\/data\/v9\.2\/accounts\([0-9a-f-]{36}\)$/);
  const read = await crm.api.get(url.slice(url.indexOf('accounts(')));
  assert.equal(read.status, 200, read.text);
  assert.equal(read.json.name, 'Fabrikam');
  assert.equal(read.json.creditlimit, 1500.5);
  assert.match(read.json['@odata.etag'], /^W\/"\d+"$/);
  assert.equal(read.json['@odata.etag'], `W/"${read.json.versionnumber}"`);
  assert.equal(read.json.statecode, 0);
  assert.equal(read.json.statuscode, 1);
  assert.match(read.json.createdon, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const who = await crm.api.get('WhoAmI');
  assert.equal(who.status, 200);
  assert.equal(read.json._modifiedby_value, who.json.UserId, 'modifiedby is the application user');
  assert.equal(read.json._createdby_value, who.json.UserId);
  assert.equal(read.json._ownerid_value, who.json.UserId);
  assert.ok(read.json._transactioncurrencyid_value, 'the base currency is filled in');
});

test('create with return=representation answers 201 with the selected columns', async () => {
  const r = await crm.api.post(
    'accounts?$select=name',
    { name: 'Contoso' },
    { prefer: 'return=representation' },
  );
  assert.equal(r.status, 201, r.text);
  assert.equal(r.headers.get('preference-applied'), 'return=representation');
  assert.equal(r.json.name, 'Contoso');
  assert.ok(r.json.accountid);
  assert.equal(r.json.accountnumber, undefined, 'only the selected columns');
  assert.match(r.json['@odata.context'], /\$metadata#accounts\(name\)\/\$entity$/);
});

test('a client-chosen primary key is kept; creating it twice is a duplicate', async () => {
  const id = '0f3e4a1c-1111-4a1b-8c1d-000000000001';
  assert.equal((await crm.api.post('accounts', { accountid: id, name: 'Chosen' })).status, 204);
  assert.equal((await crm.api.get(`accounts(${id})?$select=name`)).json.name, 'Chosen');
  const again = await crm.api.post('accounts', { accountid: id, name: 'Chosen' });
  assert.equal(again.status, 412, again.text);
  assert.equal(again.json.error.code, '0x80040237');
});

test('PATCH is an upsert; If-Match and If-None-Match control it; ETags are checked', async () => {
  const id = '0f3e4a1c-2222-4a1b-8c1d-000000000002';
  const onlyUpdate = await crm.api.patch(`accounts(${id})`, { name: 'Nope' }, { 'if-match': '*' });
  assert.equal(onlyUpdate.status, 404);
  assert.equal(onlyUpdate.json.error.code, '0x80040217');
  assert.equal(onlyUpdate.json.error.message, `account With Id = ${id} Does Not Exist`);
  const created = await crm.api.patch(
    `accounts(${id})`,
    { name: 'Upserted' },
    { prefer: 'return=representation' },
  );
  assert.equal(created.status, 201, created.text);
  const etag = created.json['@odata.etag'];
  const onlyCreate = await crm.api.patch(
    `accounts(${id})`,
    { name: 'x' },
    { 'if-none-match': '*' },
  );
  assert.equal(onlyCreate.status, 412);
  const updated = await crm.api.patch(
    `accounts(${id})`,
    { telephone1: '555' },
    { 'if-match': etag },
  );
  assert.equal(updated.status, 204);
  const stale = await crm.api.patch(`accounts(${id})`, { telephone1: '556' }, { 'if-match': etag });
  assert.equal(stale.status, 412);
  assert.equal(stale.json.error.code, '0x80060882');
  const read = await crm.api.get(`accounts(${id})?$select=name,telephone1`);
  assert.equal(read.json.name, 'Upserted');
  assert.equal(read.json.telephone1, '555');
  const notModified = await crm.api.get(`accounts(${id})?$select=name`, {
    'if-none-match': read.json['@odata.etag'],
  });
  assert.equal(notModified.status, 304);
  const staleDelete = await crm.api.del(`accounts(${id})`, { 'if-match': etag });
  assert.equal(staleDelete.status, 412);
  assert.equal((await crm.api.del(`accounts(${id})`)).status, 204);
  assert.equal((await crm.api.get(`accounts(${id})`)).status, 404);
  assert.equal((await crm.api.del(`accounts(${id})`)).status, 404);
});

test('lookups: written with @odata.bind, read as _x_value with annotations; polymorphic customer lookups', async () => {
  const contactId = await crm.api.create('contacts', { firstname: 'Ada', lastname: 'Lovelace' });
  const accountId = await crm.api.create('accounts', {
    name: 'Analytical Engines',
    'primarycontactid@odata.bind': `/contacts(${contactId})`,
  });
  const r = await crm.api.get(`accounts(${accountId})?$select=name,_primarycontactid_value`, {
    prefer: 'odata.include-annotations="*"',
  });
  assert.equal(r.json._primarycontactid_value, contactId);
  assert.equal(
    r.json['_primarycontactid_value@OData.Community.Display.V1.FormattedValue'],
    'Ada Lovelace',
  );
  assert.equal(
    r.json['_primarycontactid_value@Microsoft.Dynamics.CRM.lookuplogicalname'],
    'contact',
  );
  assert.equal(
    r.json['_primarycontactid_value@Microsoft.Dynamics.CRM.associatednavigationproperty'],
    'primarycontactid',
  );
  const c = await crm.api.patch(`contacts(${contactId})`, {
    'parentcustomerid_account@odata.bind': `accounts(${accountId})`,
  });
  assert.equal(c.status, 204, c.text);
  const contact = await crm.api.get(
    `contacts(${contactId})?$select=fullname,_parentcustomerid_value`,
    {
      prefer: 'odata.include-annotations="Microsoft.Dynamics.CRM.*"',
    },
  );
  assert.equal(contact.json.fullname, 'Ada Lovelace');
  assert.equal(contact.json._parentcustomerid_value, accountId);
  assert.equal(
    contact.json['_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname'],
    'account',
  );
  assert.equal(
    contact.json['_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty'],
    'parentcustomerid_account',
  );
  const expanded = await crm.api.get(
    `accounts(${accountId})?$select=name&$expand=primarycontactid($select=fullname)`,
  );
  assert.equal(expanded.json.primarycontactid.fullname, 'Ada Lovelace');
  const cleared = await crm.api.patch(`accounts(${accountId})`, {
    'primarycontactid@odata.bind': null,
  });
  assert.equal(cleared.status, 204);
  assert.equal((await crm.api.get(`accounts(${accountId})/_primarycontactid_value`)).status, 204);
  const missing = await crm.api.post('accounts', {
    name: 'x',
    'primarycontactid@odata.bind': '/contacts(00000000-0000-0000-0000-00000000dead)',
  });
  assert.equal(missing.status, 404);
});

test('overriddencreatedon sets createdon; team ownership', async () => {
  const team = (await crm.api.get('teams?$select=name')).json.value[0].teamid;
  const r = await crm.api.post(
    'accounts?$select=createdon,_ownerid_value,_owningteam_value,_owninguser_value',
    {
      name: 'Migrated',
      overriddencreatedon: '2020-02-03T04:05:06Z',
      'ownerid@odata.bind': `/teams(${team})`,
    },
    { prefer: 'return=representation,odata.include-annotations="*"' },
  );
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.createdon, '2020-02-03T04:05:06Z');
  assert.equal(r.json._ownerid_value, team);
  assert.equal(r.json['_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname'], 'team');
  assert.equal(r.json._owningteam_value, team);
  assert.equal(r.json._owninguser_value, null);
});

test('single properties: GET, PUT and DELETE', async () => {
  const id = await crm.api.create('accounts', { name: 'Props', telephone1: '1' });
  const p = await crm.api.get(`accounts(${id})/name`);
  assert.deepEqual(p.json.value, 'Props');
  assert.equal(
    (await crm.api.call('PUT', `accounts(${id})/telephone1`, { value: '2' })).status,
    204,
  );
  assert.equal((await crm.api.get(`accounts(${id})/telephone1`)).json.value, '2');
  assert.equal((await crm.api.del(`accounts(${id})/telephone1`)).status, 204);
  assert.equal((await crm.api.get(`accounts(${id})/telephone1`)).status, 204);
});

test('impersonation with MSCRMCallerID stamps and owns writes as that user', async () => {
  const users = await crm.api.get(
    "systemusers?$select=fullname&$filter=fullname eq 'Annette Hill'",
  );
  const annette = users.json.value[0].systemuserid;
  const r = await crm.api.post(
    'accounts?$select=_createdby_value,_modifiedby_value,_ownerid_value',
    { name: 'Impersonated' },
    { mscrmcallerid: annette, prefer: 'return=representation' },
  );
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json._createdby_value, annette);
  assert.equal(r.json._modifiedby_value, annette);
  assert.equal(r.json._ownerid_value, annette);
  const unknown = await crm.api.post(
    'accounts',
    { name: 'x' },
    { mscrmcallerid: '00000000-0000-0000-0000-0000000000ff' },
  );
  assert.equal(unknown.status, 404);
});
