import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runKobling } from '../helpers/cli.ts';
import { createMigratedDb } from '../helpers/database.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;
before(async () => {
  db = await createMigratedDb('erp');
});
after(() => db.drop());

test('`kobling seed` loads the demo company once and says so', async () => {
  const first = await runKobling(['seed', '--json'], { DATABASE_URL: db.url });
  assert.equal(first.code, 0, first.output);
  const result = JSON.parse(first.output.slice(first.output.indexOf('{')));
  assert.equal(result.seeded, true);
  assert.equal(result.customers, 50);
  const second = await runKobling(['seed'], { DATABASE_URL: db.url });
  assert.equal(second.code, 0, second.output);
  assert.match(second.output, /already has a company/);
});
