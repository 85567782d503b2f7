import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Db } from '../../src/db/db.ts';
import { createEntity, ensureCompany } from '../../src/erp/public-api.ts';
import { withErpRecordLabels } from '../../src/integration/error-labels.ts';
import { beginJob, logRecordError } from '../../src/sync/engine/job-log.ts';
import { listErrors } from '../../src/sync/queries.ts';
import { spawnKobling } from '../helpers/cli.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { callJson, startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * Record errors name their ERP record as users know it (`Customer C10000 Adatum AS`), read once
 * per ERP table of a page, not per row; and the footers count in English (`1 open record error`).
 */

let db: Awaited<ReturnType<typeof createMigratedDb>>;
let server: TestServer;
let token: string;
const SECRET = 'f'.repeat(40);
const GONE = '00000000-0000-4000-8000-00000000000a';
let adatum: string;

before(async () => {
  db = await createMigratedDb('errlabels');
  await ensureCompany(db, 'CRONUS', 'CRONUS Trading');
  const made = await createEntity(db, 'customers', { number: 'C10000', displayName: 'Adatum AS' });
  assert.ok(made.ok, JSON.stringify(made));
  adatum = (made.value as { id: string }).id;
  const customers = await beginJob(db, 'CUSTOMER', 'ToIntegrationTable', 'test');
  for (const erpId of [adatum, GONE])
    await logRecordError(db, customers, 'CUSTOMER', 'ToIntegrationTable', {
      erpTable: 'customers',
      erpId,
      crmEntity: 'account',
      crmId: null,
      message: 'refused',
    });
  const contacts = await beginJob(db, 'CONTACT', 'FromIntegrationTable', 'test');
  await logRecordError(db, contacts, 'CONTACT', 'FromIntegrationTable', {
    erpTable: 'contacts',
    erpId: null,
    crmEntity: 'contact',
    crmId: '00000000-0000-4000-8000-00000000000b',
    message: 'no account',
  });
  server = await startTestServer(db, undefined, { KOBLING_SECRET_KEY: SECRET });
  token = await server.tokenFor('readOnly');
});
after(async () => {
  await server?.close();
  await db?.drop();
});

async function kobling(...args: string[]) {
  const p = spawnKobling(args, { DATABASE_URL: db.url, KOBLING_SECRET_KEY: SECRET });
  const code = await p.exited();
  return { code, out: p.output() };
}

test('kobling errors names the ERP record by number and name; one error is "1 open record error"', async () => {
  const all = await kobling('errors');
  assert.equal(all.code, 0, all.out);
  assert.match(all.out, / CUSTOMER Customer C10000 Adatum AS ⇄ account\/-: refused\n/);
  assert.ok(all.out.includes(` CUSTOMER customers/${GONE} ⇄ account/-: refused\n`), all.out);
  assert.match(
    all.out,
    / CONTACT contacts\/- ⇄ contact\/0{8}-0000-4000-8000-0{10}0b: no account\n/,
  );
  assert.match(all.out, /\nAll 3 open record errors\n/);

  const one = await kobling('errors', '--mapping', 'CONTACT');
  assert.match(one.out, /\n1 open record error of CONTACT\n/);
  assert.doesNotMatch(one.out, /All 1/);
  const last = await kobling('errors', '--top', '1', '--skip', '2');
  assert.match(last.out, /\nRow 3 of 3 open record errors\n/);
  const json = JSON.parse((await kobling('errors', '--json')).out) as { erpRecordLabel?: string }[];
  assert.deepEqual(
    json.map((e) => e.erpRecordLabel),
    [undefined, undefined, 'C10000 Adatum AS'],
  );
});

test('GET /errors gives erpRecordLabel when the record can be read; a page costs one ERP read per table', async () => {
  const r = await callJson(`${server.baseUrl}/api/integration/v1/errors`, 'GET', token);
  assert.equal(r.status, 200, r.text);
  const byId = new Map(
    (r.json.value as { erpId: string | null; erpRecordLabel?: string }[]).map((e) => [e.erpId, e]),
  );
  assert.equal(byId.get(adatum)?.erpRecordLabel, 'C10000 Adatum AS');
  assert.ok(byId.has(GONE) && !('erpRecordLabel' in byId.get(GONE)!), 'deleted: no label');
  assert.ok(!('erpRecordLabel' in byId.get(null)!), 'no ERP record: no label');

  // Twenty errors of the same table: still one read.
  const job = await beginJob(db, 'CUSTOMER', 'ToIntegrationTable', 'test');
  for (let i = 0; i < 20; i++)
    await logRecordError(db, job, 'CUSTOMER', 'ToIntegrationTable', {
      erpTable: 'customers',
      erpId: `00000000-0000-4000-8000-${String(100 + i).padStart(12, '0')}`,
      crmEntity: 'account',
      crmId: null,
      message: 'refused',
    });
  const page = await listErrors(db, { top: 50, skip: 0 });
  assert.equal(page.length, 23);
  let reads = 0;
  const counting: Db = Object.assign(Object.create(db) as Db, {
    query: ((text: string, params?: readonly unknown[]) => {
      reads++;
      return db.query(text, params);
    }) as Db['query'],
  });
  const labeled = await withErpRecordLabels(counting, page);
  assert.equal(reads, 1, 'one read of customers for the page');
  assert.equal(labeled.find((e) => e.erpId === adatum)?.erpRecordLabel, 'C10000 Adatum AS');
});
