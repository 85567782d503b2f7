import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createEntity, deleteEntity, readChanges, updateEntity } from '../../src/erp/public-api.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { must } from './fixtures.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;
before(async () => {
  db = await createMigratedDb('erp');
});
after(() => db.drop());

test('the change feed pages through inserts, updates and deletions with the writer', async () => {
  const start = must(await readChanges(db, 'shippingAgents', 0)).nextSeq;
  const a = must(await createEntity(db, 'shippingAgents', { code: 'A', displayName: 'A' }));
  const b = must(await createEntity(db, 'shippingAgents', { code: 'B', displayName: 'B' }));
  await db.transaction(async (tx) => {
    await tx.query("SET LOCAL kobling.actor = 'integration'");
    must(await updateEntity(tx, 'shippingAgents', a.id, { displayName: 'A2' }));
  });
  must(await deleteEntity(db, 'shippingAgents', b.id));
  const c = must(await createEntity(db, 'shippingAgents', { code: 'C', displayName: 'C' }));
  const d = must(await createEntity(db, 'shippingAgents', { code: 'D', displayName: 'D' }));
  const page1 = must(await readChanges(db, 'shippingAgents', start, { limit: 2 }));
  assert.equal(page1.more, true);
  assert.deepEqual(
    page1.records.map((r) => [r['code'], r.modifiedBy]),
    [
      ['A', 'integration'],
      ['C', 'user'],
    ],
  );
  assert.deepEqual(
    page1.deleted.map((x) => x.id),
    [b.id],
  );
  const page2 = must(await readChanges(db, 'shippingAgents', page1.nextSeq, { limit: 2 }));
  assert.deepEqual(
    page2.records.map((r) => r.id),
    [d.id],
  );
  assert.equal(page2.more, false);
  must(await deleteEntity(db, 'shippingAgents', c.id));
  must(await deleteEntity(db, 'shippingAgents', d.id));
  const all = must(await readChanges(db, 'shippingAgents', start));
  assert.equal(all.more, false);
  assert.deepEqual(
    all.records.map((r) => [r['code'], r['displayName'], r.modifiedBy]),
    [['A', 'A2', 'integration']],
  );
  assert.deepEqual(
    all.deleted.map((x) => x.id),
    [b.id, c.id, d.id],
  );
  const none = must(await readChanges(db, 'shippingAgents', all.nextSeq));
  assert.deepEqual([none.records.length, none.deleted.length], [0, 0]);
});

test('a change that commits late is not skipped: the reader waits for writers in flight', async () => {
  const start = must(await readChanges(db, 'salespeople', 0)).nextSeq;
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("INSERT INTO erp.salespeople (code, display_name) VALUES ('LATE', 'Late')");
    // Meanwhile another transaction commits a change with a higher sequence number.
    must(await createEntity(db, 'salespeople', { code: 'EARLY', displayName: 'Early' }));
    let done = false;
    const reading = readChanges(db, 'salespeople', start).then((r) => {
      done = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(done, false, 'the reader waits while a writer is in flight');
    await client.query('COMMIT');
    const page = must(await reading);
    assert.deepEqual(
      page.records.map((r) => r['code']),
      ['LATE', 'EARLY'],
    );
  } finally {
    client.release();
  }
});
