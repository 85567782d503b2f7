import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Db, openDb, withDatabase } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';

/** The admin URL of the test run's PostgreSQL server (set by scripts/run-tests.ts). */
export function testAdminUrl(): string {
  const url = process.env.KOBLING_TEST_ADMIN_URL;
  if (!url) throw new Error('KOBLING_TEST_ADMIN_URL is not set: run tests with `npm test`');
  return url;
}

/** A fresh, empty database for one test file, dropped by `drop()`. */
export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** Creates a new empty database on the test server. */
export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const admin = testAdminUrl();
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE "${name}"`);
  await client.end();
  return {
    url: withDatabase(admin, name),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A fresh database with every migration applied and an open pool; `close()` drops it. */
export async function createMigratedDb(prefix = 't'): Promise<Db & { drop(): Promise<void> }> {
  const database = await createTestDatabase(prefix);
  const db = openDb(database.url, { max: 5 });
  await migrate(db);
  return Object.assign(db, {
    async drop() {
      await db.close();
      await database.drop();
    },
  });
}
