import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DataverseClient } from '../../src/dataverse/client.ts';
import { lookup, odataString } from '../../src/dataverse/query.ts';
import { clientCredentialsProvider } from '../../src/dataverse/token-provider.ts';
import { newId } from '../../src/shared/ids.ts';
import { type Fixture, startFixture } from './emulator-fixture.ts';

let f: Fixture;
before(async () => {
  f = await startFixture();
});
after(async () => {
  await f?.stop();
});

test('WhoAmI answers with the application user', async () => {
  const me = await f.client.whoAmI();
  assert.ok(me.ok, JSON.stringify(me));
  assert.match(me.value.UserId, /^[0-9a-f-]{36}$/);
  assert.match(me.value.OrganizationId, /^[0-9a-f-]{36}$/);
});

test('create with a client GUID, retrieve, update, upsert and delete', async () => {
  const { client } = f;
  const id = newId();
  const created = await client.create(
    'accounts',
    { name: 'Contoso', accountnumber: 'C-1' },
    { id },
  );
  assert.ok(created.ok, JSON.stringify(created));
  assert.equal(created.value.id, id);
  assert.match(created.value.etag ?? '', /^W\/"/);

  const read = await client.retrieve<{ name: string; accountid: string; '@odata.etag': string }>(
    'accounts',
    id,
    {
      select: ['name', 'accountnumber'],
    },
  );
  assert.ok(read.ok, JSON.stringify(read));
  assert.equal(read.value.name, 'Contoso');
  assert.equal(read.value.accountid, id);

  const updated = await client.update('accounts', id, { name: 'Contoso Ltd' });
  assert.ok(updated.ok, JSON.stringify(updated));
  const reread = await client.retrieve<{ name: string; '@odata.etag': string }>('accounts', id, {
    select: ['name'],
  });
  assert.ok(reread.ok);
  assert.equal(reread.value.name, 'Contoso Ltd');
  assert.notEqual(reread.value['@odata.etag'], read.value['@odata.etag']);

  // update never creates
  const ghost = newId();
  const missing = await client.update('accounts', ghost, { name: 'Ghost' });
  assert.ok(!missing.ok);
  assert.equal(missing.error.code, 'not_found');
  assert.equal(missing.error.status, 404);
  assert.equal(missing.error.dataverseCode, '0x80040217');
  const stillMissing = await client.retrieve('accounts', ghost);
  assert.ok(!stillMissing.ok);
  assert.equal(stillMissing.error.code, 'not_found');

  // upsert creates, then updates
  const upserted = await client.upsert('accounts', ghost, { name: 'Upserted' });
  assert.ok(upserted.ok, JSON.stringify(upserted));
  assert.ok((await client.upsert('accounts', ghost, { name: 'Upserted again' })).ok);
  const up = await client.retrieve<{ name: string }>('accounts', ghost, { select: ['name'] });
  assert.ok(up.ok);
  assert.equal(up.value.name, 'Upserted again');

  assert.ok((await client.delete('accounts', id)).ok);
  const gone = await client.retrieve('accounts', id);
  assert.ok(!gone.ok);
  assert.equal(gone.error.code, 'not_found');
  const again = await client.delete('accounts', id);
  assert.ok(!again.ok);
  assert.equal(again.error.code, 'not_found');
});

test('a create without a client GUID gets the server-chosen id; annotations come on request', async () => {
  const created = await f.client.create('accounts', { name: 'Server id', statecode: 0 });
  assert.ok(created.ok, JSON.stringify(created));
  assert.match(created.value.id, /^[0-9a-f-]{36}$/);
  const read = await f.client.retrieve<Record<string, unknown>>('accounts', created.value.id, {
    select: ['name', 'statecode'],
    annotations: 'OData.Community.Display.V1.FormattedValue',
  });
  assert.ok(read.ok, JSON.stringify(read));
  assert.equal(read.value['statecode@OData.Community.Display.V1.FormattedValue'], 'Active');
});

test('creating the same GUID twice is a typed duplicate', async () => {
  const id = newId();
  assert.ok((await f.client.create('accounts', { name: 'Once' }, { id })).ok);
  const twice = await f.client.create('accounts', { name: 'Twice' }, { id });
  assert.ok(!twice.ok);
  assert.equal(twice.error.code, 'duplicate_record');
  assert.equal(twice.error.dataverseCode, '0x80040237');
});

test('a stale ETag is a typed concurrency conflict (412) for update and delete', async () => {
  const { client } = f;
  const created = await client.create('accounts', { name: 'Versioned' }, { id: newId() });
  assert.ok(created.ok);
  const etag = created.value.etag!;
  const first = await client.update(
    'accounts',
    created.value.id,
    { name: 'v2' },
    { ifMatch: etag },
  );
  assert.ok(first.ok, JSON.stringify(first));
  const stale = await client.update(
    'accounts',
    created.value.id,
    { name: 'v3' },
    { ifMatch: etag },
  );
  assert.ok(!stale.ok);
  assert.equal(stale.error.code, 'concurrency_conflict');
  assert.equal(stale.error.status, 412);
  const staleDelete = await client.delete('accounts', created.value.id, { ifMatch: etag });
  assert.ok(!staleDelete.ok);
  assert.equal(staleDelete.error.code, 'concurrency_conflict');
  const current = await client.retrieve<{ name: string; '@odata.etag': string }>(
    'accounts',
    created.value.id,
    { select: ['name'] },
  );
  assert.ok(current.ok);
  assert.equal(current.value.name, 'v2');
  assert.ok(
    (await client.delete('accounts', created.value.id, { ifMatch: current.value['@odata.etag'] }))
      .ok,
  );
});

test('lookups bind on create and can be changed and cleared', async () => {
  const { client } = f;
  const a1 = await client.create('accounts', { name: 'Parent 1' }, { id: newId() });
  const a2 = await client.create('accounts', { name: 'Parent 2' }, { id: newId() });
  assert.ok(a1.ok && a2.ok);
  const contact = await client.create(
    'contacts',
    {
      firstname: 'Ada',
      lastname: 'Lovelace',
      ...lookup('parentcustomerid_account', 'accounts', a1.value.id),
    },
    { id: newId() },
  );
  assert.ok(contact.ok, JSON.stringify(contact));
  const read = async () => {
    const r = await client.retrieve<{ _parentcustomerid_value: string | null }>(
      'contacts',
      contact.value.id,
      {
        select: ['_parentcustomerid_value'],
      },
    );
    assert.ok(r.ok, JSON.stringify(r));
    return r.value._parentcustomerid_value;
  };
  assert.equal(await read(), a1.value.id);
  const moved = await client.setLookup(
    'contacts',
    contact.value.id,
    'parentcustomerid_account',
    'accounts',
    a2.value.id,
  );
  assert.ok(moved.ok, JSON.stringify(moved));
  assert.equal(await read(), a2.value.id);
  const cleared = await client.disassociate(
    'contacts',
    contact.value.id,
    'parentcustomerid_account',
  );
  assert.ok(cleared.ok, JSON.stringify(cleared));
  assert.equal(await read(), null);
});

test('retrieveAll pages through several pages with odata.maxpagesize', async () => {
  const { client } = f;
  const prefix = `page-${newId().slice(0, 8)}-`;
  const results = await client.executeBatch(
    Array.from({ length: 45 }, (_, i) => ({
      kind: 'create' as const,
      entitySet: 'accounts',
      record: { name: `${prefix}${String(i).padStart(2, '0')}` },
      id: newId(),
    })),
  );
  assert.ok(results.every((r) => r.ok));
  const query = {
    select: ['name'],
    filter: `startswith(name,${odataString(prefix)})`,
    orderby: 'name asc',
  };
  const sizes: number[] = [];
  const names: string[] = [];
  for await (const page of client.retrieveAll<{ name: string }>('accounts', query, {
    pageSize: 10,
  })) {
    assert.ok(page.ok, JSON.stringify(page));
    sizes.push(page.value.length);
    names.push(...page.value.map((r) => r.name));
  }
  assert.deepEqual(sizes, [10, 10, 10, 10, 5]);
  assert.equal(new Set(names).size, 45);
  assert.deepEqual(names, [...names].sort());
  const first = await client.retrieveMultiple('accounts', { ...query, count: true, pageSize: 20 });
  assert.ok(first.ok);
  assert.equal(first.value.value.length, 20);
  assert.ok(first.value.nextLink);
  assert.equal(first.value.count, 45);
  const all = await client.collectAll('accounts', query, { pageSize: 7 });
  assert.ok(all.ok);
  assert.equal(all.value.length, 45);
});

test('a wrong client secret is a quick, typed authentication error without retries', async () => {
  const provider = clientCredentialsProvider({
    tokenUrl: f.crm.tokenUrl,
    clientId: f.crm.clientId,
    clientSecret: 'definitely-not-the-secret',
    scope: `${f.crm.baseUrl}/.default`,
  });
  const client = new DataverseClient({ orgUrl: f.crm.baseUrl, tokenProvider: provider });
  const started = Date.now();
  const me = await client.whoAmI();
  const elapsed = Date.now() - started;
  assert.ok(!me.ok);
  assert.equal(me.error.code, 'authentication_failed');
  assert.equal(me.error.status, 401);
  assert.match(me.error.message, /invalid_client/);
  assert.ok(!me.error.message.includes('definitely-not-the-secret'));
  assert.ok(elapsed < 2000, `took ${elapsed} ms`);
  const m = client.snapshot();
  assert.equal(m.attempts, 0);
  assert.equal(m.retries, 0);
  assert.equal(m.errors, 1);
});
