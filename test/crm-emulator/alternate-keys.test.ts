import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestCrmEmulator } from '../helpers/crm-emulator.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { type ApiClient, apiClient } from './api-client.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;
let emulator: Awaited<ReturnType<typeof startTestCrmEmulator>>;
let api: ApiClient;

before(async () => {
  db = await createMigratedDb('crm');
  emulator = await startTestCrmEmulator(db, {
    alternateKeys: { account: [['accountnumber']], product: [['productnumber']] },
  });
  api = await apiClient(emulator);
});
after(async () => {
  await emulator.stop();
  await db.drop();
});

test('declared alternate keys address, upsert and guard records', async () => {
  const created = await api.patch(
    "accounts(accountnumber='A-1')",
    { name: 'Keyed' },
    {
      prefer: 'return=representation',
    },
  );
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json.accountnumber, 'A-1');
  const id = created.json.accountid;
  const read = await api.get("accounts(accountnumber='A-1')?$select=name");
  assert.equal(read.json.accountid, id);
  assert.equal((await api.patch("accounts(accountnumber='A-1')", { telephone1: '9' })).status, 204);
  assert.equal((await api.get(`accounts(${id})?$select=telephone1`)).json.telephone1, '9');
  const onlyUpdate = await api.patch(
    "accounts(accountnumber='NOPE')",
    { name: 'x' },
    { 'if-match': '*' },
  );
  assert.equal(onlyUpdate.status, 404);
  const dup = await api.post('accounts', { name: 'Twin', accountnumber: 'A-1' });
  assert.equal(dup.status, 412);
  assert.equal(dup.json.error.code, '0x80040237');
  const other = await api.create('accounts', { name: 'Other', accountnumber: 'A-2' });
  assert.equal((await api.patch(`accounts(${other})`, { accountnumber: 'A-1' })).status, 412);
  assert.equal((await api.get("accounts(accountnumber='MISSING')")).status, 404);
  assert.equal((await api.get("accounts(name='Keyed')")).status, 400, 'name is not a key');
  assert.equal(
    (await api.get("contacts(emailaddress1='a@b.c')")).status,
    400,
    'no keys on contact',
  );
  assert.equal((await api.del("accounts(accountnumber='A-1')")).status, 204);
});
