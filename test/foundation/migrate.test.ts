import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openDb } from '../../src/db/db.ts';
import { loadMigrations } from '../../src/db/migrate.ts';
import { runKobling } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase('migrate');
});
after(async () => {
  await database.drop();
});

test('two processes migrating at once apply each migration exactly once', async () => {
  const env = { DATABASE_URL: database.url };
  const [a, b] = await Promise.all([
    runKobling(['migrate', '--json'], env),
    runKobling(['migrate', '--json'], env),
  ]);
  assert.equal(a.code, 0, a.output);
  assert.equal(b.code, 0, b.output);
  const reports = [JSON.parse(a.output), JSON.parse(b.output)] as { applied: unknown[] }[];
  const total = loadMigrations().length;
  assert.equal(reports[0]!.applied.length + reports[1]!.applied.length, total);
  assert.ok(
    reports.some((r) => r.applied.length === 0),
    'one of them found everything applied',
  );

  const db = openDb(database.url, { max: 1 });
  try {
    const rows = await db.query<{ n: number; distinct_n: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT (module, version))::int AS distinct_n FROM public.kobling_migrations',
    );
    assert.deepEqual(rows.rows[0], { n: total, distinct_n: total });
    const schemas = await db.query<{ nspname: string }>(
      "SELECT nspname FROM pg_namespace WHERE nspname IN ('app', 'erp', 'integration', 'crm') ORDER BY 1",
    );
    assert.deepEqual(
      schemas.rows.map((r) => r.nspname),
      ['app', 'crm', 'erp', 'integration'],
    );
  } finally {
    await db.close();
  }

  const again = await runKobling(['migrate'], env);
  assert.equal(again.code, 0);
  assert.match(again.output, new RegExp(`0 applied, ${total} already up to date`));
});

test('a malformed DATABASE_URL is refused with a clear message and exit code 2', async () => {
  const r = await runKobling(['migrate'], { DATABASE_URL: 'mysql://nope' });
  assert.equal(r.code, 2);
  assert.match(r.output, /DATABASE_URL: must be a postgres/);
});
