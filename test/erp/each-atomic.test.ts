import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createEntity, eachAtomic, updateEntity } from '../../src/erp/public-api.ts';
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
