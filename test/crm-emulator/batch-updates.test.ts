import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { getRecord, lockRecords } from '../../src/crm-emulator/store/records.ts';
import { batchBody, type Op } from './batch-body.ts';
import { useCrmEmulator } from './emulator-fixture.ts';

// Runs of PATCHes in a change set take the bulk path (src/crm-emulator/api/fast-updates.ts); these
// tests hold it to the one-by-one path's answers.

const crm = useCrmEmulator();

async function runBatch(items: (Op | Op[])[]) {
  const { body, contentType } = batchBody(items);
  return crm.api.call('POST', '$batch', body, { 'content-type': contentType });
}

const statuses = (text: string) =>
  [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
const etags = (text: string) => [...text.matchAll(/ETag: (W\/"\d+")/g)].map((m) => m[1]!);
const errorOf = (text: string) => {
  const m = /HTTP\/1\.1 (\d{3})[\s\S]*?"code":\s*"([^"]+)"/.exec(text);
  return { status: Number(m?.[1]), code: m?.[2] };
};

async function newAccounts(n: number, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await crm.api.post('accounts', { name: `${prefix} ${i}` });
    assert.equal(r.status, 204, r.text);
    ids.push(/\(([0-9a-f-]{36})\)/.exec(r.headers.get('odata-entityid')!)![1]!);
  }
  return ids;
}

const patch = (
  id: string,
  body: unknown,
  contentId?: string,
  headers?: Record<string, string>,
): Op => ({
  method: 'PATCH',
  url: `accounts(${id})`,
  body,
  ...(contentId ? { contentId } : {}),
  ...(headers ? { headers } : {}),
});

test('a change set of PATCHes updates each record with its own version and answers 204 + ETag per part', async () => {
  const ids = await newAccounts(3, 'Bulk Patch');
  let deltaLink: string | undefined;
  let next: string | undefined = 'accounts?$select=name,telephone1';
  while (next && !deltaLink) {
    const page = await crm.api.get(next, { prefer: 'odata.track-changes' });
    deltaLink = page.json['@odata.deltaLink'];
    next = page.json['@odata.nextLink'];
  }
  assert.ok(deltaLink);
  // `If-Match: *`, as the sync engine's updates send it, takes the bulk path too.
  const r = await runBatch([
    ids.map((id, i) => patch(id, { telephone1: `555-${i}` }, `${i + 1}`, { 'If-Match': '*' })),
  ]);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(statuses(r.text), [204, 204, 204]);
  for (const [i, id] of ids.entries()) {
    assert.match(
      r.text,
      new RegExp(`Content-ID: ${i + 1}[\\s\\S]*?OData-EntityId: \\S*accounts\\(${id}\\)`),
    );
  }
  const tags = etags(r.text);
  assert.equal(new Set(tags).size, 3, 'each record draws its own version');
  for (const [i, id] of ids.entries()) {
    const got = await crm.api.get(`accounts(${id})?$select=telephone1,name`);
    assert.equal(got.json.telephone1, `555-${i}`);
    assert.equal(got.json.name, `Bulk Patch ${i}`, 'columns not in the PATCH are kept');
    assert.equal(got.headers.get('etag'), tags[i]);
  }
  const delta = await crm.api.get(deltaLink, { prefer: 'odata.track-changes' });
  const changed = new Set(delta.json.value.map((v: { accountid: string }) => v.accountid));
  for (const id of ids) assert.ok(changed.has(id), `the delta shows the update of ${id}`);
});

for (const [what, bad] of [
  ['a bad value', { statecode: 99 }],
  ['a binding to a missing record', { 'primarycontactid@odata.bind': `contacts(${randomUUID()})` }],
] as const) {
  test(`a PATCH with ${what} in a run rolls back the change set with the one-by-one answer`, async () => {
    const ids = await newAccounts(3, `Bulk Fail ${what}`);
    const alone = await runBatch([[patch(ids[1]!, bad, '9')]]);
    assert.equal(alone.status, 400, alone.text);
    const expected = errorOf(alone.text);
    assert.ok(expected.status >= 400 && expected.code, alone.text);
    const r = await runBatch([
      [
        patch(ids[0]!, { telephone1: 'changed' }, '1'),
        patch(ids[1]!, bad, '2'),
        patch(ids[2]!, { telephone1: 'changed' }, '3'),
      ],
    ]);
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(errorOf(r.text), expected);
    assert.match(r.text, /Content-ID: 2/);
    for (const id of ids) {
      const got = await crm.api.get(`accounts(${id})?$select=telephone1`);
      assert.equal(got.json.telephone1, null, 'nothing of the change set was written');
    }
  });
}

test('a PATCH to a missing id in a run still creates the record (upsert)', async () => {
  const ids = await newAccounts(2, 'Bulk Upsert');
  const fresh = randomUUID();
  const r = await runBatch([
    [
      patch(ids[0]!, { telephone1: 'u1' }),
      patch(fresh, { name: 'Bulk Upsert new' }),
      patch(ids[1]!, { telephone1: 'u2' }),
    ],
  ]);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(statuses(r.text), [204, 204, 204]);
  const created = await crm.api.get(`accounts(${fresh})?$select=name`);
  assert.equal(created.status, 200);
  assert.equal(created.json.name, 'Bulk Upsert new');
  assert.equal((await crm.api.get(`accounts(${ids[1]})?$select=telephone1`)).json.telephone1, 'u2');
});

test('a stale If-Match in a run answers 412 like the one-by-one path, with nothing written', async () => {
  const ids = await newAccounts(3, 'Bulk Stale');
  const current = (await crm.api.get(`accounts(${ids[0]})?$select=name`)).headers.get('etag')!;
  const stale = { 'If-Match': 'W/"1"' };
  const alone = await runBatch([[patch(ids[1]!, { telephone1: 'x' }, '9', stale)]]);
  assert.equal(errorOf(alone.text).status, 412, alone.text);
  const r = await runBatch([
    [
      patch(ids[0]!, { telephone1: 'changed' }, '1', { 'If-Match': current }),
      patch(ids[1]!, { telephone1: 'changed' }, '2', stale),
      patch(ids[2]!, { telephone1: 'changed' }, '3'),
    ],
  ]);
  assert.deepEqual(errorOf(r.text), errorOf(alone.text));
  for (const id of ids) {
    assert.equal((await crm.api.get(`accounts(${id})?$select=telephone1`)).json.telephone1, null);
  }
});

test('the bulk path locks its records in id order, whatever order the requests name them in', async () => {
  // Two writers that lock overlapping records each in id order never deadlock: the one that waits
  // holds nothing the other still needs. The read must lock the lower id before it waits for the
  // higher one, held here by another transaction.
  const [low, high] = (await newAccounts(2, 'Lock Order')).sort();
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let holding = () => {};
  const held = new Promise<void>((resolve) => {
    holding = resolve;
  });
  const holder = crm.db.transaction(async (tx) => {
    assert.ok(await getRecord(tx, 'account', high!, true));
    holding();
    await released;
  });
  await held;
  let done = false;
  const locker = crm.db.transaction(async (tx) => {
    const got = await lockRecords(tx, 'account', [high!, low!]);
    done = true;
    return got.map((r) => r.id);
  });
  const lowLocked = async () => {
    try {
      await crm.db.query(
        "SELECT id FROM crm.records WHERE entity = 'account' AND id = $1 FOR UPDATE NOWAIT",
        [low],
      );
      return false;
    } catch (err) {
      if ((err as { code?: string }).code === '55P03') return true;
      throw err;
    }
  };
  let locked = false;
  for (let i = 0; i < 100 && !locked; i++) {
    locked = await lowLocked();
    if (!locked) await new Promise((r) => setTimeout(r, 50));
  }
  const waited = !done;
  release();
  await holder;
  assert.ok(locked, 'the lower id was locked while the higher one was waited for');
  assert.ok(waited, 'the read waited for the higher id');
  assert.deepEqual(await locker, [low, high]);
});
