import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { dumpSchema } from '../../src/db/schema-dump.ts';
import { createMigratedDb } from '../helpers/database.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;
before(async () => {
  db = await createMigratedDb('schema');
});
after(async () => {
  await db?.drop();
});

test('docs/schema.sql is the schema the migrations produce', async () => {
  const actual = await dumpSchema(db);
  const committed = readFileSync(new URL('../../docs/schema.sql', import.meta.url), 'utf8');
  if (actual === committed) return;
  const a = actual.split('\n');
  const c = committed.split('\n');
  let i = 0;
  while (i < a.length && a[i] === c[i]) i++;
  assert.fail(
    `docs/schema.sql is stale: run \`npm run schema:dump\` and commit docs/schema.sql.\n` +
      `First difference at line ${i + 1}:\n  committed: ${c[i] ?? '(end of file)'}\n  migrations: ${a[i] ?? '(end of file)'}`,
  );
});

test('the dump is deterministic and covers every schema the migrations create', async () => {
  const first = await dumpSchema(db);
  assert.equal(await dumpSchema(db), first);
  for (const schema of ['app', 'crm', 'erp', 'integration'])
    assert.match(first, new RegExp(`CREATE SCHEMA ${schema};`));
  assert.match(first, /CREATE TABLE public\.kobling_migrations \(/);
  assert.match(first, /CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp\./);
});
