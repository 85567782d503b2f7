import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DataverseOperation } from '../../src/dataverse/operations.ts';
import { odataString } from '../../src/dataverse/query.ts';
import { newId } from '../../src/shared/ids.ts';
import { type Fixture, startFixture } from './emulator-fixture.ts';

let f: Fixture;
before(async () => {
  f = await startFixture();
});
after(async () => {
  await f?.stop();
});

const countByPrefix = async (prefix: string) => {
  const rows = await f.client.collectAll<{ accountid: string }>(
    'accounts',
    { select: ['accountid'], filter: `startswith(name,${odataString(prefix)})` },
    { pageSize: 5000 },
  );
  assert.ok(rows.ok, JSON.stringify(rows));
  return rows.value;
};

test('$batch of 2,500 operations goes out as exactly 3 HTTP requests', async () => {
  const prefix = `b2500-${newId().slice(0, 8)}-`;
  const ops: DataverseOperation[] = Array.from({ length: 2500 }, (_, i) => ({
    kind: 'create',
    entitySet: 'accounts',
    record: { name: `${prefix}${i}` },
    id: newId(),
  }));
  assert.ok((await f.client.whoAmI()).ok); // the token is cached before counting requests
  const before = f.crm.stats();
  const clientBefore = f.client.snapshot();
  const results = await f.client.executeBatch(ops, { changeSetSize: 100 });
  const after = f.crm.stats();
  assert.equal(results.length, 2500);
  const failures = results.filter((r) => !r.ok);
  assert.equal(failures.length, 0, JSON.stringify(failures[0]));
  results.forEach((r, i) => {
    assert.ok(r.ok);
    assert.equal(r.value.id, (ops[i] as { id: string }).id);
  });
  assert.equal(after.requests - before.requests, 3);
  assert.equal(after.batchOperations - before.batchOperations, 2500);
  assert.equal(f.client.snapshot().batchRequests - clientBefore.batchRequests, 3);
  assert.equal((await countByPrefix(prefix)).length, 2500);
});

test('a failing operation rolls back its whole change set; the rest of the batch proceeds', async () => {
  const prefix = `cs-${newId().slice(0, 8)}-`;
  const existing = newId();
  assert.ok(
    (await f.client.create('accounts', { name: `${prefix}existing` }, { id: existing })).ok,
  );
  const ops: DataverseOperation[] = [
    {
      kind: 'create',
      entitySet: 'accounts',
      record: { name: `${prefix}a` },
      id: newId(),
      changeSet: 'x',
    },
    {
      kind: 'create',
      entitySet: 'accounts',
      record: { name: `${prefix}dup` },
      id: existing,
      changeSet: 'x',
    },
    {
      kind: 'update',
      entitySet: 'accounts',
      id: existing,
      patch: { name: `${prefix}renamed` },
      changeSet: 'x',
    },
    { kind: 'create', entitySet: 'accounts', record: { name: `${prefix}alone` }, id: newId() },
    { kind: 'update', entitySet: 'accounts', id: newId(), patch: { name: 'nobody' } },
    { kind: 'retrieve', entitySet: 'accounts', id: existing, select: ['name'] },
  ];
  const results = await f.client.executeBatch(ops);
  for (const r of results.slice(0, 3)) {
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'duplicate_record', JSON.stringify(r.error));
  }
  assert.ok(results[3]!.ok, JSON.stringify(results[3]));
  assert.ok(!results[4]!.ok);
  assert.equal(results[4]!.error.code, 'not_found');
  assert.ok(results[5]!.ok);
  assert.equal(results[5]!.value.body?.name, `${prefix}existing`);
  const names = await f.client.collectAll<{ name: string }>('accounts', {
    select: ['name'],
    filter: `startswith(name,${odataString(prefix)})`,
  });
  assert.ok(names.ok);
  assert.deepEqual(names.value.map((r) => r.name).sort(), [`${prefix}alone`, `${prefix}existing`]);
});

test('stop on error leaves later operations unexecuted', async () => {
  const prefix = `stop-${newId().slice(0, 8)}-`;
  const ops: DataverseOperation[] = [
    { kind: 'create', entitySet: 'accounts', record: { name: `${prefix}1` }, id: newId() },
    { kind: 'update', entitySet: 'accounts', id: newId(), patch: { name: 'nobody' } },
    { kind: 'create', entitySet: 'accounts', record: { name: `${prefix}3` }, id: newId() },
  ];
  const results = await f.client.executeBatch(ops, { continueOnError: false });
  assert.ok(results[0]!.ok, JSON.stringify(results[0]));
  assert.ok(!results[1]!.ok);
  assert.equal(results[1]!.error.code, 'not_found');
  assert.ok(!results[2]!.ok);
  assert.equal(results[2]!.error.code, 'not_executed');
  assert.equal((await countByPrefix(prefix)).length, 1);
});

test('change tracking: snapshot across pages, then updates, creates and deletes', async () => {
  const { client } = f;
  const seeded = Array.from({ length: 120 }, () => newId());
  const made = await client.executeBatch(
    seeded.map((id, i) => ({
      kind: 'create',
      entitySet: 'accounts',
      record: { name: `tracked-${i}` },
      id,
    })),
    { changeSetSize: 60 },
  );
  assert.ok(made.every((r) => r.ok));
  const requestsBefore = f.crm.stats().requests;
  const initial = await client.trackChanges<{ accountid: string; name: string }>('accounts', {
    select: ['name'],
    pageSize: 50,
  });
  assert.ok(initial.ok, JSON.stringify(initial));
  // one request per page of 50: the snapshot really was paged
  const pages = f.crm.stats().requests - requestsBefore;
  assert.ok(pages >= 2 && pages >= Math.ceil(initial.value.changed.length / 50), `${pages} pages`);
  const snapshotIds = new Set(initial.value.changed.map((r) => r.accountid));
  assert.equal(snapshotIds.size, initial.value.changed.length);
  for (const id of seeded) assert.ok(snapshotIds.has(id));
  assert.deepEqual(initial.value.deleted, []);
  const [a, b, c] = seeded.map((accountid) => ({ accountid }));

  assert.ok((await client.update('accounts', a!.accountid, { name: 'tracked-update-a' })).ok);
  assert.ok((await client.update('accounts', b!.accountid, { name: 'tracked-update-b' })).ok);
  assert.ok((await client.delete('accounts', c!.accountid)).ok);
  const fresh = newId();
  assert.ok((await client.create('accounts', { name: 'tracked-new' }, { id: fresh })).ok);

  const delta = await client.trackChanges<{ accountid: string; name: string }>('accounts', {
    deltaLink: initial.value.deltaLink,
  });
  assert.ok(delta.ok, JSON.stringify(delta));
  assert.deepEqual(
    delta.value.changed.map((r) => r.accountid).sort(),
    [a!.accountid, b!.accountid, fresh].sort(),
  );
  assert.equal(
    delta.value.changed.find((r) => r.accountid === a!.accountid)?.name,
    'tracked-update-a',
  );
  assert.deepEqual(delta.value.deleted, [c!.accountid]);
  assert.notEqual(delta.value.deltaLink, initial.value.deltaLink);

  const quiet = await client.trackChanges('accounts', { deltaLink: delta.value.deltaLink });
  assert.ok(quiet.ok);
  assert.deepEqual(quiet.value, { changed: [], deleted: [], deltaLink: quiet.value.deltaLink });

  // A delta bigger than a page is paged too.
  const survivors = seeded.filter((id) => id !== c!.accountid);
  const touched = await client.executeBatch(
    survivors.map((id) => ({
      kind: 'update',
      entitySet: 'accounts',
      id,
      patch: { name: `again-${id}` },
    })),
    { changeSetSize: 60 },
  );
  assert.ok(touched.every((r) => r.ok));
  const beforeBig = f.crm.stats().requests;
  const big = await client.trackChanges<{ accountid: string }>('accounts', {
    deltaLink: quiet.value.deltaLink,
    pageSize: 50,
  });
  assert.ok(big.ok, JSON.stringify(big));
  assert.deepEqual(new Set(big.value.changed.map((r) => r.accountid)), new Set(survivors));
  assert.equal(big.value.changed.length, survivors.length);
  assert.ok(f.crm.stats().requests - beforeBig >= 3, 'the delta came in pages of 50');
});

test('batch writes can return representations with ETags', async () => {
  const id = newId();
  const ops: DataverseOperation[] = [
    { kind: 'create', entitySet: 'accounts', record: { name: 'rep-1' }, id },
    { kind: 'update', entitySet: 'accounts', id, patch: { name: 'rep-2' } },
    { kind: 'upsert', entitySet: 'accounts', id: newId(), record: { name: 'rep-3' } },
  ];
  const results = await f.client.executeBatch(ops, {
    returnRepresentation: true,
    select: ['name'],
  });
  const versions = results.map((r) => {
    assert.ok(r.ok, JSON.stringify(r));
    assert.match(r.value.etag ?? '', /^W\/"\d+"$/);
    return r.value;
  });
  assert.equal(versions[0]!.id, id);
  assert.equal(versions[1]!.body?.name, 'rep-2');
  assert.notEqual(versions[0]!.etag, versions[1]!.etag);
});
