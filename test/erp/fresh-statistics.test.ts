import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freshenStatistics } from '../../src/erp/public-api.ts';
import { freshenLineStatistics } from '../../src/integration/full-sync/line-statistics.ts';
import type { TableMapping } from '../../src/sync/model.ts';
import { createMigratedDb } from '../helpers/database.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;
before(async () => {
  db = await createMigratedDb('erp');
});
after(() => db.drop());

/** Loads contacts in bulk in a session of its own, and waits until PostgreSQL counts the rows. */
async function bulkLoad(n: number, from: number): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO erp.contacts (number, type, display_name)
       SELECT 'BULK' || lpad(g::text, 7, '0'), 'Person', 'Bulk ' || g FROM generate_series($1::int, $2::int) g`,
      [from, from + n - 1],
    );
    await tx.query('SELECT pg_stat_force_next_flush()');
  });
  for (let i = 0; i < 100; i++) {
    const r = await db.query<{ n: string }>(
      `SELECT n_mod_since_analyze AS n FROM pg_stat_user_tables WHERE schemaname = 'erp' AND relname = 'contacts'`,
    );
    if (Number(r.rows[0]?.n ?? 0) >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('PostgreSQL never counted the loaded rows');
}

const lastAnalyzed = async () =>
  (
    await db.query<{ at: Date | null }>(
      `SELECT last_analyze AS at FROM pg_stat_user_tables WHERE schemaname = 'erp' AND relname = 'contacts'`,
    )
  ).rows[0]?.at ?? null;

test('statistics made stale by a bulk load are taken again, once; a few changed rows leave them', async () => {
  await bulkLoad(500, 1);
  assert.deepEqual(await freshenStatistics(db, ['contacts']), [], 'under 1,000 changed rows');
  assert.equal(await lastAnalyzed(), null);
  await bulkLoad(5000, 1000);
  assert.deepEqual(await freshenStatistics(db, ['contacts', 'customers']), ['contacts']);
  assert.ok(await lastAnalyzed(), 'contacts analyzed');
  assert.deepEqual(await freshenStatistics(db, ['contacts']), [], 'nothing changed since');
});

test("a line's refresh covers the tables its ERP read touches: a customer's company contact is read from contacts", async () => {
  await bulkLoad(6000, 100_000);
  const customers = { erpTable: 'customers' } as TableMapping;
  assert.deepEqual(await freshenLineStatistics(db, customers), ['contacts']);
});
