import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { spawnKobling } from '../helpers/cli.ts';
import { createMigratedDb } from '../helpers/database.ts';
import {
  callJson,
  followNextLinks,
  getPage,
  startTestServer,
  type TestServer,
} from '../helpers/server.ts';

/**
 * Paging the couplings list past one page: the API the OData way (`@odata.nextLink` with a skip
 * token, `$count=true`, `Prefer: odata.maxpagesize`), and `kobling couplings` with the total and
 * `--all`. The list is 1,200 CUSTOMER couplings inserted in one statement (one creation time, as
 * a full synchronization's chunk writes them: only the id orders them) and 5 CONTACT ones.
 */

let db: Awaited<ReturnType<typeof createMigratedDb>>;
let server: TestServer;
let token: string;
/** Every coupling id in the list order. */
let order: string[];

before(async () => {
  db = await createMigratedDb('paging');
  await db.query(
    `INSERT INTO integration.couplings (id, mapping_name, erp_table, erp_id, crm_entity, crm_id, skipped)
     SELECT gen_random_uuid(), 'CUSTOMER', 'customers', gen_random_uuid(), 'account', gen_random_uuid(), n <= 3
       FROM generate_series(1, 1200) AS n`,
  );
  await db.query(
    `INSERT INTO integration.couplings (id, mapping_name, erp_table, erp_id, crm_entity, crm_id, created_at)
     SELECT gen_random_uuid(), 'CONTACT', 'contacts', gen_random_uuid(), 'contact', gen_random_uuid(),
            now() - make_interval(secs => n)
       FROM generate_series(1, 5) AS n`,
  );
  order = (
    await db.query<{ id: string }>(
      'SELECT id FROM integration.couplings ORDER BY mapping_name, created_at, id',
    )
  ).rows.map((r) => r.id);
  server = await startTestServer(db, undefined, { KOBLING_SECRET_KEY: 'p'.repeat(40) });
  token = await server.tokenFor('admin');
});
after(async () => {
  await server?.close();
  await db?.drop();
});

const url = (query: string) => `${server.baseUrl}/api/integration/v1/couplings${query}`;

const get = (target: string, pageSize?: number) => getPage(target, token, pageSize);
const follow = (first: string, pageSize?: number) => followNextLinks(first, token, pageSize);

test('API: every coupling once, in order, page by page; the count; no next link on the last page', async () => {
  const all = await follow(url('?$count=true'), 500);
  assert.deepEqual(all.sizes, [500, 500, 205]);
  assert.deepEqual(all.ids, order);
  assert.deepEqual(all.counts, [1205, 1205, 1205]);

  const first = await get(url(''), 500);
  assert.equal(first.applied, 'odata.maxpagesize=500');
  assert.equal(first.json['@odata.count'], undefined, 'counted only when asked');

  // The filters hold on every page (the next link keeps them).
  const contacts = await follow(url('?mapping=CONTACT&count=true'), 2);
  assert.deepEqual(contacts.sizes, [2, 2, 1]);
  assert.deepEqual(contacts.ids, order.slice(0, 5));
  assert.deepEqual(contacts.counts, [5, 5, 5]);
  const active = await follow(url('?mapping=CUSTOMER&skipped=false&$count=true'), 1000);
  assert.deepEqual(active.sizes, [1000, 197]);
  assert.equal(active.counts[0], 1197);
  assert.equal(new Set(active.ids).size, 1197);
});

test('API: the defaults and top as before (100, or top rows in one page); more than 1,000 pages', async () => {
  const plain = await get(url(''));
  assert.equal(plain.json.value.length, 100);
  assert.match(plain.json['@odata.nextLink'], /\$skiptoken=/);
  assert.equal(plain.applied, null);

  const top = await get(url('?top=1000&skip=5'));
  assert.equal(top.json.value.length, 1000);
  assert.equal(top.json['@odata.nextLink'], undefined, 'top rows asked for, top rows given');
  assert.deepEqual(
    top.json.value.map((c: { id: string }) => c.id),
    order.slice(5, 1005),
  );

  const big = await follow(url('?$top=1100&$skip=2'));
  assert.deepEqual(big.sizes, [1000, 100]);
  assert.deepEqual(big.ids, order.slice(2, 1102));
});

test('API: a coupling removed between pages neither shifts nor repeats the rows after it', async () => {
  const page1 = await get(url('?mapping=CUSTOMER'), 10);
  const ids = page1.json.value.map((c: { id: string }) => c.id);
  await db.query('DELETE FROM integration.couplings WHERE id = $1', [ids[0]]);
  try {
    const page2 = await get(page1.json['@odata.nextLink'], 10);
    assert.deepEqual(
      page2.json.value.map((c: { id: string }) => c.id),
      order.slice(15, 25),
    );
  } finally {
    await db.query(
      `INSERT INTO integration.couplings (id, mapping_name, erp_table, erp_id, crm_entity, crm_id, created_at)
       SELECT $1, 'CUSTOMER', 'customers', gen_random_uuid(), 'account', gen_random_uuid(), created_at
         FROM integration.couplings WHERE id = $2`,
      [ids[0], ids[1]],
    );
  }
});

test('API: nonsense refused with 400 and a code', async () => {
  const cases: [string, string][] = [
    ['?top=0', 'validation_failed'],
    ['?$top=abc', 'validation_failed'],
    ['?skip=-1', 'validation_failed'],
    ['?count=yes', 'validation_failed'],
    ['?top=5&$top=5', 'validation_failed'],
    ['?$skiptoken=not-a-token', 'invalid_skiptoken'],
    [
      `?$skiptoken=${Buffer.from('{"k":["CUSTOMER","2026-02-30T00:00:00.000000Z","0f0e0d0c-0b0a-4908-8706-050403020100"],"p":5}').toString('base64url')}`,
      'invalid_skiptoken',
    ],
    ['?pageSize=5', 'unknown_field'],
  ];
  for (const [query, code] of cases) {
    const r = await get(url(query));
    assert.equal(r.status, 400, `${query}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.error.code, code, `${query}: ${JSON.stringify(r.json)}`);
    assert.ok(r.json.error.message.length > 10);
  }
  // The OpenAPI description names the paging options (what /docs shows).
  const spec = (await (await fetch(`${server.baseUrl}/docs/json`)).json()) as {
    paths: Record<string, { get?: { parameters?: { name: string }[] } }>;
  };
  const names = spec.paths['/api/integration/v1/couplings']?.get?.parameters?.map((x) => x.name);
  for (const name of ['$top', '$skip', '$count', '$skiptoken', 'top', 'skip', 'mapping'])
    assert.ok(names?.includes(name), `${name} in ${names}`);
  const zero = await fetch(url(''), {
    headers: { authorization: `Bearer ${token}`, prefer: 'odata.maxpagesize=0' },
  });
  assert.equal(zero.status, 400);
  assert.match((await callJson(url('?top=0'), 'GET', token)).json.error.message, /top/);
});

async function kobling(...args: string[]) {
  const p = spawnKobling(['couplings', ...args], {
    DATABASE_URL: db.url,
    KOBLING_SECRET_KEY: 'p'.repeat(40),
  });
  const code = await p.exited();
  return { code, out: p.output() };
}

test('kobling couplings: the total and the next command, --all --json streams every one, nonsense refused', async () => {
  const page = await kobling('--top', '3');
  assert.equal(page.code, 0, page.out);
  const lines = page.out.trim().split('\n');
  assert.equal(lines.length, 4, page.out);
  assert.match(lines[0]!, /^CONTACT\s+contacts\/\S+ ⇄ contact\//);
  assert.equal(
    lines[3],
    'Rows 1–3 of 1,205 couplings; next: `kobling couplings --skip 3 --top 3` (or --all for every one)',
  );

  const contacts = await kobling('--mapping', 'CONTACT');
  assert.equal(contacts.code, 0, contacts.out);
  assert.match(contacts.out.trim().split('\n').at(-1)!, /^All 5 couplings of CONTACT$/);

  const all = await kobling('--all', '--json');
  assert.equal(all.code, 0, all.out.slice(-500));
  const rows = JSON.parse(all.out) as { id: string }[];
  assert.deepEqual(
    rows.map((r) => r.id),
    order,
  );
  const text = await kobling('--all', '--skipped');
  assert.equal(text.code, 0, text.out);
  assert.equal(text.out.trim().split('\n').length, 4, text.out);
  assert.match(text.out, /\n3 couplings skipped\n$/);

  for (const bad of [
    ['--top', '0'],
    ['--top', 'abc'],
    ['--skip', '-2'],
    ['--all', '--top', '5'],
  ]) {
    const r = await kobling(...bad);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /^error \[validation_failed\]: --(top|skip|all) /, r.out);
  }
});
