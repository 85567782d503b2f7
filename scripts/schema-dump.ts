/**
 * `npm run schema:dump`: applies every migration to a fresh database on a temporary embedded
 * PostgreSQL (or on the server of KOBLING_TEST_DATABASE_URL, an admin URL) and writes the
 * resulting DDL to docs/schema.sql. `--check` compares instead of writing (exit code 1 when stale).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDb, withDatabase } from '../src/db/db.ts';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { migrate } from '../src/db/migrate.ts';
import { dumpSchema } from '../src/db/schema-dump.ts';

const target = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'docs',
  'schema.sql',
);
const check = process.argv.includes('--check');

let adminUrl = process.env.KOBLING_TEST_DATABASE_URL;
let stop: (() => Promise<void>) | undefined;
let dataDir: string | undefined;
if (!adminUrl) {
  dataDir = mkdtempSync(path.join(tmpdir(), 'kobling-schema-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = await startEmbeddedPostgres({ dataDir, port, database: 'kobling_schema' });
  adminUrl = server.adminUrl;
  stop = server.stop;
}
const name = `schema_dump_${process.pid}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE "${name}"`);
let code = 0;
try {
  const db = openDb(withDatabase(adminUrl, name), { max: 2 });
  try {
    await migrate(db);
    const text = await dumpSchema(db);
    if (check) {
      const current = readFileSync(target, 'utf8');
      if (current !== text) {
        console.error('docs/schema.sql is stale: run `npm run schema:dump` and commit it.');
        code = 1;
      } else console.log('docs/schema.sql is up to date.');
    } else {
      writeFileSync(target, text);
      console.log(`wrote ${path.relative(process.cwd(), target)}`);
    }
  } finally {
    await db.close();
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
  await stop?.();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
process.exit(code);
