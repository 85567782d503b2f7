import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defaultMappings } from '../../src/sync/mappings/default-mappings.ts';
import { saveMapping } from '../../src/sync/mappings/mapping-repo.ts';
import { runKobling } from '../helpers/cli.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { callJson, startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * A list filtered by a mapping that does not exist is a not_found, not an empty list ("No skipped
 * records of NOPE" said the mapping had none): the CLI's lists and the API's, checked where their
 * pages are read (src/integration/keyset-list.ts).
 */
const SECRET = 'u'.repeat(40);
let db: Awaited<ReturnType<typeof createMigratedDb>>;
let server: TestServer;
before(async () => {
  db = await createMigratedDb('unknownmapping');
  const customer = defaultMappings({
    ownershipModel: 'Person',
    unitGroupMapping: true,
    salesOrderIntegration: true,
  }).find((m) => m.name === 'CUSTOMER');
  assert.ok(customer);
  await saveMapping(db, customer, 1);
  server = await startTestServer(db, undefined, { KOBLING_SECRET_KEY: SECRET });
});
after(async () => {
  await server?.close();
  await db?.drop();
});

const kobling = (...args: string[]) =>
  runKobling(args, { DATABASE_URL: db.url, KOBLING_SECRET_KEY: SECRET });

test('the list commands refuse an unknown --mapping as not_found (exit 1); a known one lists', async () => {
  const lists = [
    ['skipped'],
    ['errors'],
    ['errors', '--all'],
    ['jobs'],
    ['couplings'],
    ['conflicts'],
  ];
  for (const list of lists) {
    const run = await kobling(...list, '--mapping', 'NOPE');
    assert.equal(run.code, 1, `${list.join(' ')}: ${run.output}`);
    assert.match(run.output, /error \[not_found\]: No table mapping named 'NOPE'/, list.join(' '));
    assert.doesNotMatch(run.output, /^No /m, `${list.join(' ')}: no empty list`);
    const known = await kobling(...list, '--mapping', 'CUSTOMER');
    assert.equal(known.code, 0, `${list.join(' ')}: ${known.output}`);
  }
});

test("the API's list filters answer 404 not_found for an unknown mapping", async () => {
  const token = await server.tokenFor('admin');
  for (const list of [
    'jobs?',
    'errors?',
    'errors?all=true&',
    'skipped?',
    'couplings?',
    'conflicts?',
  ]) {
    const url = `${server.baseUrl}/api/integration/v1/${list}mapping=`;
    const r = await callJson(`${url}NOPE`, 'GET', token);
    assert.equal(r.status, 404, `${list}: ${r.text}`);
    assert.equal(r.json.error.code, 'not_found', list);
    assert.equal(r.json.error.message, "No table mapping named 'NOPE'", list);
    const known = await callJson(`${url}CUSTOMER`, 'GET', token);
    assert.equal(known.status, 200, `${list}: ${known.text}`);
  }
});
