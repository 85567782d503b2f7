import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { createEntity, deleteEntity, updateEntity } from '../../src/erp/public-api.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { must } from './fixtures.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;
before(async () => {
  db = await createMigratedDb('erp');
});
after(() => db.drop());

const row = async (id: string) =>
  (
    await db.query<{ change_seq: number; modified_by: string; last_modified_at: Date }>(
      'SELECT change_seq, modified_by, last_modified_at FROM erp.salespeople WHERE id = $1',
      [id],
    )
  ).rows[0]!;

test('every write stamps change_seq from one global sequence, the time and the actor', async () => {
  const a = must(
    await createEntity(db, 'salespeople', { code: 'AH', displayName: 'Annette Hill' }),
  );
  const first = await row(a.id);
  assert.equal(first.modified_by, 'user');
  const unit = must(await createEntity(db, 'unitsOfMeasure', { code: 'KG' }));
  const u = await db.query<{ change_seq: number }>(
    'SELECT change_seq FROM erp.units_of_measure WHERE id = $1',
    [unit.id],
  );
  assert.ok(u.rows[0]!.change_seq > first.change_seq, 'one sequence across tables');

  // The sync engine marks its own writes so it can ignore them (echo suppression).
  await db.transaction(async (tx) => {
    await tx.query("SET LOCAL kobling.actor = 'integration'");
    must(await updateEntity(tx, 'salespeople', a.id, { email: 'ah@cronus.example' }));
  });
  const second = await row(a.id);
  assert.equal(second.modified_by, 'integration');
  assert.ok(second.change_seq > u.rows[0]!.change_seq);
  assert.ok(second.last_modified_at.getTime() >= first.last_modified_at.getTime());
  // After that transaction the pooled connections are back to the default actor.
  must(await updateEntity(db, 'salespeople', a.id, { phoneNumber: '123' }));
  assert.equal((await row(a.id)).modified_by, 'user');
});

test('deletes are recorded with their own sequence number, and changes are notified', async () => {
  const listener = new pg.Client({ connectionString: db.url });
  await listener.connect();
  const heard: string[] = [];
  listener.on('notification', (n) => heard.push(n.payload ?? ''));
  await listener.query('LISTEN kobling_erp_change');
  try {
    const s = must(
      await createEntity(db, 'shipmentMethods', { code: 'EXW', displayName: 'Ex works' }),
    );
    must(await deleteEntity(db, 'shipmentMethods', s.id, { ifMatch: s['@odata.etag'] as string }));
    const d = await db.query<{ table_name: string; change_seq: number; deleted_by: string }>(
      'SELECT table_name, change_seq, deleted_by FROM erp.deletions WHERE record_id = $1',
      [s.id],
    );
    assert.equal(d.rows[0]?.table_name, 'shipment_methods');
    assert.equal(d.rows[0]?.deleted_by, 'user');
    const seq = await db.query<{ last: number }>('SELECT last_value AS last FROM erp.change_seq');
    assert.equal(d.rows[0]?.change_seq, seq.rows[0]!.last);
    for (let i = 0; i < 50 && heard.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(heard.includes('shipment_methods'), `heard ${heard.join(',')}`);
  } finally {
    await listener.end();
  }
});

test('every ERP table (views read tables that do) carries the change-capture columns and triggers', async () => {
  const r = await db.query<{ table_name: string }>(
    `SELECT t.table_name FROM information_schema.tables t
      WHERE t.table_schema = 'erp' AND t.table_type = 'BASE TABLE'
        AND t.table_name NOT IN ('outbox', 'deletions')
        AND NOT EXISTS (SELECT 1 FROM information_schema.triggers g
                         WHERE g.event_object_schema = 'erp' AND g.event_object_table = t.table_name
                           AND g.trigger_name = 'track_change_row')`,
  );
  assert.deepEqual(r.rows, []);
});
