import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { spawnKobling } from '../helpers/cli.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { followNextLinks, getPage, startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * The jobs, errors and skipped lists page like the couplings list (test/sync/couplings-paging):
 * `@odata.nextLink` with a skip token, `$count=true`, `Prefer: odata.maxpagesize`, `top`/`skip` as
 * before; `kobling jobs` and `kobling errors` show the total and the next command and list every
 * row with `--all` / `--all-pages`. 120 CUSTOMER jobs share one start (only the id orders them),
 * 10 CONTACT jobs started before; 70 open errors; 60 skipped couplings among 65.
 */

let db: Awaited<ReturnType<typeof createMigratedDb>>;
let server: TestServer;
let token: string;
const SECRET = 'l'.repeat(40);
/** The ids of each list in its order. */
let jobs: string[];
let errors: number[];
let skipped: string[];

before(async () => {
  db = await createMigratedDb('loglists');
  await db.query(
    `INSERT INTO integration.sync_jobs (id, mapping_name, direction, status, started_at, failed)
     SELECT gen_random_uuid(), 'CUSTOMER', 'ToIntegrationTable', 'succeeded', now(), 1
       FROM generate_series(1, 120)`,
  );
  await db.query(
    `INSERT INTO integration.sync_jobs (id, mapping_name, direction, status, started_at)
     SELECT gen_random_uuid(), 'CONTACT', 'FromIntegrationTable', 'succeeded', now() - make_interval(mins => n)
       FROM generate_series(1, 10) AS n`,
  );
  await db.query(
    `INSERT INTO integration.sync_errors (job_id, mapping_name, direction, erp_table, erp_id, crm_entity, message)
     SELECT (SELECT id FROM integration.sync_jobs WHERE mapping_name = 'CUSTOMER' LIMIT 1), 'CUSTOMER',
            'ToIntegrationTable', 'customers', gen_random_uuid(), 'account', 'refused ' || n
       FROM generate_series(1, 70) AS n`,
  );
  await db.query(
    `INSERT INTO integration.couplings (id, mapping_name, erp_table, erp_id, crm_entity, crm_id, skipped)
     SELECT gen_random_uuid(), 'CUSTOMER', 'customers', gen_random_uuid(), 'account', gen_random_uuid(), n <= 60
       FROM generate_series(1, 65) AS n`,
  );
  const ids = async <T>(sql: string) => (await db.query<{ id: T }>(sql)).rows.map((r) => r.id);
  jobs = await ids('SELECT id FROM integration.sync_jobs ORDER BY started_at DESC, id DESC');
  errors = await ids('SELECT id FROM integration.sync_errors ORDER BY id DESC');
  skipped = await ids(
    'SELECT id FROM integration.couplings WHERE skipped ORDER BY mapping_name, created_at, id',
  );
  server = await startTestServer(db, undefined, { KOBLING_SECRET_KEY: SECRET });
  token = await server.tokenFor('readOnly');
});
after(async () => {
  await server?.close();
  await db?.drop();
});

const url = (path: string) => `${server.baseUrl}/api/integration/v1${path}`;

const get = (target: string, pageSize?: number) => getPage(target, token, pageSize);
const follow = (first: string, pageSize?: number) => followNextLinks(first, token, pageSize);

test('GET /jobs: next links to the end, every job once in order; the count; top and skip as before', async () => {
  const first = await get(url('/jobs'));
  assert.equal(first.json.value.length, 50, 'the page size the list always had');
  assert.match(first.json['@odata.nextLink'], /\/jobs\?\$skiptoken=/);

  const all = await follow(url('/jobs?$count=true'));
  assert.deepEqual(all.sizes, [50, 50, 30]);
  assert.deepEqual(all.ids, jobs, 'in order, none twice, none left out');
  assert.deepEqual(all.counts, [130, 130, 130]);

  // The filter holds on every page; the last page has no next link.
  const contacts = await follow(url('/jobs?mapping=CONTACT&count=true'), 4);
  assert.deepEqual(contacts.sizes, [4, 4, 2]);
  assert.deepEqual(contacts.ids, jobs.slice(120));
  assert.deepEqual(contacts.counts, [10, 10, 10]);

  // `top` rows in one page, as the list always answered them: no next link.
  const top = await get(url('/jobs?top=20&skip=5'));
  assert.deepEqual(
    top.json.value.map((j: { id: string }) => j.id),
    jobs.slice(5, 25),
  );
  assert.equal(top.json['@odata.nextLink'], undefined);
  // More than a page of `top`: the rest follows, `top` rows in all.
  const paged = await follow(url('/jobs?$top=70&$skip=3'), 50);
  assert.deepEqual(paged.sizes, [50, 20]);
  assert.deepEqual(paged.ids, jobs.slice(3, 73));
});

test('GET /errors and GET /skipped page the same way', async () => {
  const open = await follow(url('/errors?$count=true'));
  assert.deepEqual(open.sizes, [50, 20]);
  assert.deepEqual(open.ids, errors);
  assert.deepEqual(open.counts, [70, 70]);
  const history = await follow(url('/errors?all=true&mapping=CUSTOMER'), 30);
  assert.deepEqual(history.sizes, [30, 30, 10]);
  assert.deepEqual(history.ids, errors);

  const sk = await follow(url('/skipped?$count=true'));
  assert.deepEqual(sk.sizes, [50, 10]);
  assert.deepEqual(sk.ids, skipped);
  assert.deepEqual(sk.counts, [60, 60]);
  const one = await get(url('/skipped?top=60'));
  assert.equal(one.json.value.length, 60);
  assert.equal(one.json['@odata.nextLink'], undefined);
});

test('a skip token of another list, or none at all, is refused with 400', async () => {
  const jobsPage = await get(url('/jobs'));
  const jobToken = new URL(jobsPage.json['@odata.nextLink']).searchParams.get('$skiptoken');
  for (const path of [
    `/errors?$skiptoken=${jobToken}`,
    `/skipped?$skiptoken=${jobToken}`,
    '/jobs?$skiptoken=nonsense',
  ]) {
    const r = await get(url(path));
    assert.equal(r.status, 400, `${path}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.error.code, 'invalid_skiptoken');
  }
  for (const path of ['/jobs?top=0', '/errors?skip=-1', '/skipped?top=5&$top=5']) {
    const r = await get(url(path));
    assert.equal(r.status, 400, path);
    assert.equal(r.json.error.code, 'validation_failed');
  }
});

async function kobling(...args: string[]) {
  const p = spawnKobling(args, { DATABASE_URL: db.url, KOBLING_SECRET_KEY: SECRET });
  const code = await p.exited();
  return { code, out: p.output() };
}

test('kobling jobs: the total and the next command; --all --json lists every job in order', async () => {
  const page = await kobling('jobs', '--top', '3', '--skip', '2');
  assert.equal(page.code, 0, page.out);
  const lines = page.out.trim().split('\n');
  assert.equal(lines.length, 4, page.out);
  assert.ok(lines[0]!.includes(jobs[2]!), page.out);
  assert.equal(
    lines[3],
    'Rows 3–5 of 130 jobs; next: `kobling jobs --skip 5 --top 3` (or --all for every one)',
  );
  const contacts = await kobling('jobs', '--mapping', 'CONTACT');
  assert.match(contacts.out.trim().split('\n').at(-1)!, /^All 10 jobs of CONTACT$/);

  const all = await kobling('jobs', '--all', '--json');
  assert.equal(all.code, 0, all.out.slice(-500));
  assert.deepEqual(
    (JSON.parse(all.out) as { id: string }[]).map((j) => j.id),
    jobs,
  );
  const bad = await kobling('jobs', '--all', '--top', '5');
  assert.equal(bad.code, 2, bad.out);
  assert.match(bad.out, /error \[validation_failed\]: --all lists every job/);
});

test('kobling errors: the total and the next command; --all-pages lists every error (--all stays the history)', async () => {
  const page = await kobling('errors', '--top', '5', '--skip', '5');
  assert.equal(page.code, 0, page.out);
  const lines = page.out.trim().split('\n');
  assert.equal(lines.length, 7, page.out);
  assert.match(lines[0]!, / refused 65$/);
  assert.equal(
    lines[5],
    'Rows 6–10 of 70 open record errors; next: `kobling errors --skip 10 --top 5` (or --all-pages for every one)',
  );
  assert.equal(
    lines[6],
    'Open errors only (not settled since). kobling errors --all shows the history.',
  );

  const every = await kobling('errors', '--all', '--all-pages', '--json');
  assert.equal(every.code, 0, every.out.slice(-500));
  assert.deepEqual(
    (JSON.parse(every.out) as { id: number }[]).map((e) => e.id),
    errors,
  );
  const text = await kobling('errors', '--all-pages', '--mapping', 'CUSTOMER');
  assert.match(text.out, /\n70 open record errors of CUSTOMER\nOpen errors only/);
  const bad = await kobling('errors', '--all-pages', '--skip', '1');
  assert.equal(bad.code, 2, bad.out);
  assert.match(bad.out, /error \[validation_failed\]: --all-pages lists every error/);
});
