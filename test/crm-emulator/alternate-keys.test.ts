import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useCrmEmulator } from './emulator-fixture.ts';

const crm = useCrmEmulator({
  alternateKeys: { account: [['accountnumber']], product: [['productnumber']] },
});

test('declared alternate keys address, upsert and guard records', async () => {
  const created = await crm.api.patch(
    "accounts(accountnumber='A-1')",
    { name: 'Keyed' },
    {
      prefer: 'return=representation',
    },
  );
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json.accountnumber, 'A-1');
  const id = created.json.accountid;
  const read = await crm.api.get("accounts(accountnumber='A-1')?$select=name");
  assert.equal(read.json.accountid, id);
  assert.equal(
    (await crm.api.patch("accounts(accountnumber='A-1')", { telephone1: '9' })).status,
    204,
  );
  assert.equal((await crm.api.get(`accounts(${id})?$select=telephone1`)).json.telephone1, '9');
  const onlyUpdate = await crm.api.patch(
    "accounts(accountnumber='NOPE')",
    { name: 'x' },
    { 'if-match': '*' },
  );
  assert.equal(onlyUpdate.status, 404);
  const dup = await crm.api.post('accounts', { name: 'Twin', accountnumber: 'A-1' });
  assert.equal(dup.status, 412);
  assert.equal(dup.json.error.code, '0x80040237');
  const other = await crm.api.create('accounts', { name: 'Other', accountnumber: 'A-2' });
  assert.equal((await crm.api.patch(`accounts(${other})`, { accountnumber: 'A-1' })).status, 412);
  assert.equal((await crm.api.get("accounts(accountnumber='MISSING')")).status, 404);
  assert.equal((await crm.api.get("accounts(name='Keyed')")).status, 400, 'name is not a key');
  assert.equal(
    (await crm.api.get("contacts(emailaddress1='a@b.c')")).status,
    400,
    'no keys on contact',
  );
  assert.equal((await crm.api.del("accounts(accountnumber='A-1')")).status, 204);
});
