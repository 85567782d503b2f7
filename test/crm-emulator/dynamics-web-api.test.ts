import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DynamicsWebApi } from 'dynamics-web-api';
import { crmToken } from '../helpers/crm-emulator.ts';
import { useCrmEmulator } from './emulator-fixture.ts';

let client: DynamicsWebApi;

const crm = useCrmEmulator({}, () => {
  client = new DynamicsWebApi({
    serverUrl: crm.emulator.baseUrl,
    dataApi: { version: '9.2' },
    onTokenRefresh: () => crmToken(crm.emulator, crm.emulator.clientId, crm.emulator.clientSecret),
  });
});

test('the dynamics-web-api client creates, reads, updates and deletes', async () => {
  const created: { accountid: string; name: string } = await client.create({
    collection: 'accounts',
    data: { name: 'DWA Account', accountnumber: 'DWA-1' },
    returnRepresentation: true,
  });
  assert.equal(created.name, 'DWA Account');
  const id = created.accountid;
  const read = await client.retrieve<{ name: string; accountnumber: string }>({
    collection: 'accounts',
    key: id,
    select: ['name', 'accountnumber'],
  });
  assert.equal(read.accountnumber, 'DWA-1');
  await client.update({ collection: 'accounts', key: id, data: { telephone1: '123' } });
  const again = await client.retrieve<{ telephone1: string }>({
    collection: 'accounts',
    key: id,
    select: ['telephone1'],
  });
  assert.equal(again.telephone1, '123');
  const plainId = await client.create({ collection: 'contacts', data: { lastname: 'Plain' } });
  assert.match(String(plainId), /^[0-9a-f-]{36}$/);
  const who = await client.callFunction<{ UserId: string }>({ functionName: 'WhoAmI' });
  assert.match(who.UserId, /^[0-9a-f-]{36}$/);
  await client.deleteRecord({ collection: 'accounts', key: id });
});

test('the dynamics-web-api client pages, runs a $batch change set and reads a delta', async () => {
  client.startBatch();
  for (let i = 0; i < 25; i++) {
    client.create({
      collection: 'contacts',
      data: { firstname: 'Batch', lastname: `DWA ${String(i).padStart(2, '0')}` },
    });
  }
  const results = await client.executeBatch({ inChangeSet: true });
  assert.equal(results.length, 25);
  assert.ok(results.every((r) => typeof r === 'string' && /^[0-9a-f-]{36}$/.test(r)));

  const all = await client.retrieveAll<{ lastname: string }>({
    collection: 'contacts',
    select: ['lastname'],
    filter: "firstname eq 'Batch'",
    orderBy: ['lastname'],
    maxPageSize: 10,
  });
  assert.equal(all.value.length, 25);
  const page = await client.retrieveMultiple({
    collection: 'contacts',
    select: ['lastname'],
    filter: "firstname eq 'Batch'",
    maxPageSize: 10,
  });
  assert.equal(page.value.length, 10);
  assert.ok(page.oDataNextLink);

  const tracked = await client.retrieveMultiple({
    collection: 'contacts',
    select: ['lastname'],
    trackChanges: true,
  });
  assert.ok(tracked.oDataDeltaLink);
  const [first] = results as string[];
  await client.update({ collection: 'contacts', key: first!, data: { lastname: 'Changed' } });
  const delta = await client.retrieveMultiple(
    { collection: 'contacts', trackChanges: true },
    tracked.oDataDeltaLink,
  );
  assert.deepEqual(
    delta.value.map((v: { lastname: string }) => v.lastname),
    ['Changed'],
  );
});
