import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { seedDemoCompany } from '../../src/erp/demo/seed-demo.ts';
import { createEntities, createEntity, ensureCompany } from '../../src/erp/public-api.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { must } from './fixtures.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;
let demo: Awaited<ReturnType<typeof createMigratedDb>>;
before(async () => {
  db = await createMigratedDb('erp');
  demo = await createMigratedDb('erp');
});
after(async () => {
  await db.drop();
  await demo.drop();
});

const lastNumber = async (d: typeof db, code: string) =>
  Number(
    (
      await d.query<{ n: string }>(
        'SELECT last_number AS n FROM erp.number_series WHERE code = $1',
        [code],
      )
    ).rows[0]!.n,
  );

const pad = (n: number) => `C${String(n).padStart(5, '0')}`;

test('a number series skips numbers already in the table, for one create and for a bulk create', async () => {
  must(await ensureCompany(db, 'CRONUS', 'CRONUS Trading'));
  const typed = [1, 2, 4, ...Array.from({ length: 51 }, (_, i) => 10 + i)].map(pad);
  must(
    await createEntities(
      db,
      'customers',
      typed.map((number) => ({ number, displayName: number })),
    ),
  );

  const one = must(await createEntity(db, 'customers', { displayName: 'One' }));
  assert.equal(one['number'], 'C00003', 'the first free number after the taken C00001 and C00002');

  // A long run of taken numbers (C00010..C00060) inside one bulk create: free ones, in body order.
  const many = must(
    await createEntities(
      db,
      'customers',
      Array.from({ length: 20 }, (_, i) => ({ displayName: `Bulk ${i}` })),
    ),
  );
  assert.deepEqual(
    many.map((c) => c['number']),
    [5, 6, 7, 8, 9, ...Array.from({ length: 15 }, (_, i) => 61 + i)].map(pad),
  );
  assert.deepEqual(
    many.map((c) => c['displayName']),
    Array.from({ length: 20 }, (_, i) => `Bulk ${i}`),
  );
  assert.equal(await lastNumber(db, 'CUST'), 75, 'the series stands after the last number given');
  const next = must(await createEntity(db, 'customers', { displayName: 'Next' }));
  assert.equal(next['number'], 'C00076');
});

test('on the seeded demo data new customers and contacts get free numbers after the seeded ones', async () => {
  must(await seedDemoCompany(demo));
  assert.equal(await lastNumber(demo, 'CUST'), 10490, 'past the seeded C10000..C10490');
  assert.equal(await lastNumber(demo, 'CONT'), 590, 'past the seeded CT000100..CT000590');
  const customer = must(await createEntity(demo, 'customers', { displayName: 'New customer' }));
  assert.equal(customer['number'], 'C10491');
  const contacts = must(
    await createEntities(
      demo,
      'contacts',
      Array.from({ length: 150 }, (_, i) => ({ type: 'Company', displayName: `New ${i}` })),
    ),
  );
  assert.equal(contacts[0]!['number'], 'CT000591');
  assert.equal(new Set(contacts.map((c) => c['number'])).size, 150);
  // Even a series set back into the seeded range hands out only free numbers.
  await demo.query("UPDATE erp.number_series SET last_number = 9999 WHERE code = 'CUST'");
  const again = must(
    await createEntities(
      demo,
      'customers',
      Array.from({ length: 3 }, (_, i) => ({ displayName: `Again ${i}` })),
    ),
  );
  assert.deepEqual(
    again.map((c) => c['number']),
    ['C10001', 'C10002', 'C10003'],
  );
});
