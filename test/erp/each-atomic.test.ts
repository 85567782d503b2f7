import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  createEntities,
  createEntity,
  eachAtomic,
  updateEntities,
  updateEntity,
} from '../../src/erp/public-api.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { must } from './fixtures.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;
before(async () => {
  db = await createMigratedDb('erp');
});
after(() => db.drop());

test('many writes in few transactions: a refused one fails alone, leaves nothing, takes no number', async () => {
  const taken = must(await createEntity(db, 'customers', { displayName: 'Taken', number: 'T-1' }));
  const bodies = [
    { displayName: 'Bulk 1' },
    { displayName: 'Bulk 2', number: 'T-1' }, // the number exists
    { displayName: 'Bulk 3' },
    { displayName: 'Bulk 4', creditLimit: 'lots' }, // not a number
    { displayName: 'Bulk 5' },
  ];
  const results = await eachAtomic(db, bodies, (tx, body) => createEntity(tx, 'customers', body), {
    actor: 'integration',
    groupSize: 2,
  });
  assert.deepEqual(
    results.map((r) => (r.ok ? 'ok' : r.error.code)),
    ['ok', 'already_exists', 'ok', 'validation_failed', 'ok'],
  );
  const rows = await db.query<{ display_name: string; number: string; modified_by: string }>(
    "SELECT display_name, number, modified_by FROM erp.customers WHERE display_name LIKE 'Bulk %' ORDER BY display_name",
  );
  assert.deepEqual(
    rows.rows.map((r) => r.display_name),
    ['Bulk 1', 'Bulk 3', 'Bulk 5'],
  );
  assert.ok(rows.rows.every((r) => r.modified_by === 'integration'));
  // The refused creates gave their numbers back: the series has no gap.
  const numbers = rows.rows.map((r) => Number(r.number.replace(/\D/g, '')));
  assert.deepEqual(numbers, [numbers[0]!, numbers[0]! + 1, numbers[0]! + 2]);

  // Updates the same way: the refused one leaves its row as it was.
  const ids = results.flatMap((r) => (r.ok ? [r.value.id] : []));
  const changes = [
    { id: ids[0]!, body: { city: 'Bergen' } },
    { id: ids[1]!, body: { number: 'T-1' } },
    { id: ids[2]!, body: { city: 'Tromsø' } },
  ];
  const updated = await eachAtomic(db, changes, (tx, c) =>
    updateEntity(tx, 'customers', c.id, c.body),
  );
  assert.deepEqual(
    updated.map((r) => (r.ok ? 'ok' : r.error.code)),
    ['ok', 'already_exists', 'ok'],
  );
  const after = await db.query<{ id: string; number: string; city: string; modified_by: string }>(
    'SELECT id, number, city, modified_by FROM erp.customers WHERE id = ANY($1::uuid[])',
    [ids],
  );
  const byId = new Map(after.rows.map((r) => [r.id, r]));
  assert.equal(byId.get(ids[0]!)!.city, 'Bergen');
  assert.notEqual(byId.get(ids[1]!)!.number, taken.number);
  assert.equal(byId.get(ids[2]!)!.city, 'Tromsø');
  // Without an actor the writes are a user's.
  assert.equal(byId.get(ids[0]!)!.modified_by, 'user');
});

test('set-based bulk: the same records, numbers and change capture as one by one, all or nothing', async () => {
  const bodies = [
    { displayName: 'Set 1', city: 'Oslo' },
    { displayName: 'Set 2' },
    { displayName: 'Set 3', creditLimit: 500 },
  ];
  const created = must(await createEntities(db, 'customers', bodies));
  assert.deepEqual(
    created.map((c) => [c['displayName'], c['city'], c['creditLimit']]),
    [
      ['Set 1', 'Oslo', 0],
      ['Set 2', '', 0],
      ['Set 3', '', 500],
    ],
  );
  const numbers = created.map((c) => Number(String(c['number']).replace(/\D/g, '')));
  assert.deepEqual(numbers, [numbers[0]!, numbers[0]! + 1, numbers[0]! + 2], 'taken in order');
  const next = must(await createEntity(db, 'customers', { displayName: 'After' }));
  assert.equal(Number(String(next['number']).replace(/\D/g, '')), numbers[0]! + 3);
  const seqs = created.map((c) => Number(String(c['@odata.etag']).replace(/\D/g, '')));
  assert.ok(
    seqs.every((s, i) => i === 0 || s > seqs[i - 1]!),
    'change_seq stamped per row',
  );

  // One bad body refuses the whole call: nothing written, no number taken.
  const refused = await createEntities(db, 'customers', [
    { displayName: 'Never 1' },
    { displayName: 'Never 2', blocked: 'Sometimes' },
  ]);
  assert.equal(refused.ok ? 'ok' : refused.error.code, 'validation_failed');
  const never = await db.query("SELECT 1 FROM erp.customers WHERE display_name LIKE 'Never %'");
  assert.equal(never.rows.length, 0);
  const after = must(await createEntity(db, 'customers', { displayName: 'After 2' }));
  assert.equal(Number(String(after['number']).replace(/\D/g, '')), numbers[0]! + 4);

  const updated = must(
    await updateEntities(db, 'customers', [
      { id: created[0]!.id, body: { city: 'Bergen' } },
      { id: created[1]!.id, body: { phoneNumber: '+47 1', city: 'Molde' } },
    ]),
  );
  assert.deepEqual(
    updated.map((c) => [c['city'], c['phoneNumber']]),
    [
      ['Bergen', ''],
      ['Molde', '+47 1'],
    ],
  );
  const missing = await updateEntities(db, 'customers', [
    { id: created[2]!.id, body: { city: 'Bodø' } },
    { id: '00000000-0000-4000-8000-000000000001', body: { city: 'Bodø' } },
  ]);
  assert.equal(missing.ok ? 'ok' : missing.error.code, 'not_found');
  const bodø = await db.query("SELECT 1 FROM erp.customers WHERE city = 'Bodø'");
  assert.equal(bodø.rows.length, 0, 'all or nothing');
});

test('eachAtomic with a bulk: a group the bulk refuses goes one by one, each failing alone', async () => {
  let bulkCalls = 0;
  const bodies = [
    { displayName: 'Mixed 1' },
    { displayName: 'Mixed 2', creditLimit: 'lots' },
    { displayName: 'Mixed 3' },
    { displayName: 'Mixed 4' },
  ];
  const results = await eachAtomic(db, bodies, (tx, body) => createEntity(tx, 'customers', body), {
    groupSize: 2,
    bulk: (tx, group) => {
      bulkCalls++;
      return createEntities(tx, 'customers', group);
    },
  });
  assert.equal(bulkCalls, 2);
  assert.deepEqual(
    results.map((r) => (r.ok ? r.value['displayName'] : r.error.code)),
    ['Mixed 1', 'validation_failed', 'Mixed 3', 'Mixed 4'],
  );
  const rows = await db.query<{ display_name: string }>(
    "SELECT display_name FROM erp.customers WHERE display_name LIKE 'Mixed %' ORDER BY 1",
  );
  assert.deepEqual(
    rows.rows.map((r) => r.display_name),
    ['Mixed 1', 'Mixed 3', 'Mixed 4'],
  );
});
