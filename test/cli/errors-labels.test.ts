import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Db } from '../../src/db/db.ts';
import { createEntity, ensureCompany } from '../../src/erp/public-api.ts';
import { withErpRecordLabels } from '../../src/integration/error-labels.ts';
import { beginJob, logRecordError } from '../../src/sync/engine/job-log.ts';
import { listErrors } from '../../src/sync/queries.ts';
import { spawnKobling } from '../helpers/cli.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { callJson, signIn, startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * Record errors name their ERP record as users know it (`Customer C10000 Adatum AS`), read once
 * per ERP table of a page, not per row, in the errors list and in a job's errors (API, CLI, web
 * page); and the footers count in English (`1 open record error`).
 */

let db: Awaited<ReturnType<typeof createMigratedDb>>;
let server: TestServer;
let token: string;
const SECRET = 'f'.repeat(40);
const GONE = '00000000-0000-4000-8000-00000000000a';
let adatum: string;
let customerJob: string;

before(async () => {
  db = await createMigratedDb('errlabels');
  await ensureCompany(db, 'CRONUS', 'CRONUS Trading');
  const made = await createEntity(db, 'customers', { number: 'C10000', displayName: 'Adatum AS' });
  assert.ok(made.ok, JSON.stringify(made));
  adatum = (made.value as { id: string }).id;
  const customers = await beginJob(db, 'CUSTOMER', 'ToIntegrationTable', 'test');
  customerJob = customers;
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

test("a job's errors name their ERP record: GET /jobs/{id}, kobling jobs show, the job's page (escaped)", async () => {
  // A name with markup in it, failing in a job of its own: the page must show it as text.
  const made = await createEntity(db, 'customers', {
    number: 'C20000',
    displayName: '<b>Smith & Sons</b>',
  });
  assert.ok(made.ok, JSON.stringify(made));
  const smith = (made.value as { id: string }).id;
  const markupJob = await beginJob(db, 'CUSTOMER', 'ToIntegrationTable', 'test');
  await logRecordError(db, markupJob, 'CUSTOMER', 'ToIntegrationTable', {
    erpTable: 'customers',
    erpId: smith,
    crmEntity: 'account',
    crmId: null,
    message: 'refused',
  });

  const api = await callJson(
    `${server.baseUrl}/api/integration/v1/jobs/${customerJob}`,
    'GET',
    token,
  );
  assert.equal(api.status, 200, api.text);
  const errors = api.json.errors as { erpId: string; erpRecordLabel?: string }[];
  assert.deepEqual(
    errors.map((e) => [e.erpId, e.erpRecordLabel]).sort(),
    [
      [adatum, 'C10000 Adatum AS'],
      [GONE, undefined],
    ].sort(),
  );
  assert.ok(!('erpRecordLabel' in errors.find((e) => e.erpId === GONE)!), 'deleted: by id only');

  const cli = await kobling('jobs', 'show', customerJob);
  assert.equal(cli.code, 0, cli.out);
  assert.match(cli.out, new RegExp(`^\\S+ ${customerJob} CUSTOMER `));
  assert.match(cli.out, /\n {2}\S+ CUSTOMER Customer C10000 Adatum AS ⇄ account\/-: refused\n/);
  assert.ok(cli.out.includes(` CUSTOMER customers/${GONE} ⇄ account/-: refused\n`), cli.out);
  assert.match(cli.out, /\n2 record errors in this job\n/);
  const json = JSON.parse((await kobling('jobs', 'show', customerJob, '--json')).out) as {
    id: string;
    errors: { erpRecordLabel?: string }[];
  };
  assert.equal(json.id, customerJob);
  assert.deepEqual(json.errors.map((e) => e.erpRecordLabel).sort(), [
    'C10000 Adatum AS',
    undefined,
  ]);
  const missing = await kobling('jobs', 'show', '00000000-0000-4000-8000-0000000000ff');
  assert.equal(missing.code, 1, missing.out);
  assert.match(missing.out, /No synchronization job/);

  await server.tokenFor('readOnly', 'job-page-reader');
  const { page } = await signIn(server, 'job-page-reader');
  const jobPage = await page(`/integration/log/${customerJob}`);
  assert.equal(jobPage.status, 200, jobPage.html);
  assert.match(jobPage.html, /<td[^>]*>Customer C10000 Adatum AS<\/td>/);
  assert.match(jobPage.html, new RegExp(`<td[^>]*>customers ${GONE}</td>`));
  const marked = await page(`/integration/log/${markupJob}`);
  // @kitajs/html escapes `<` and `&` (a `>` alone opens no tag).
  assert.ok(marked.html.includes('<td>Customer C20000 &lt;b>Smith &amp; Sons&lt;/b></td>'));
  assert.ok(!marked.html.includes('<b>Smith'), 'the name is text, not markup');
});

test('couplings name their ERP record too: kobling couplings and GET /couplings', async () => {
  const crmId = '00000000-0000-4000-8000-0000000000c1';
  await db.query(
    `INSERT INTO integration.couplings (id, mapping_name, erp_table, erp_id, crm_entity, crm_id)
     VALUES ('00000000-0000-4000-8000-0000000000c0', 'CUSTOMER', 'customers', $1, 'account', $2)`,
    [adatum, crmId],
  );
  const cli = await kobling('couplings', '--mapping', 'CUSTOMER');
  assert.equal(cli.code, 0, cli.out);
  assert.ok(cli.out.includes(`Customer C10000 Adatum AS ⇄ account/${crmId}`), cli.out);
  const r = await callJson(`${server.baseUrl}/api/integration/v1/couplings`, 'GET', token);
  assert.equal(r.status, 200, r.text);
  const coupling = (r.json.value as { crmId: string; erpRecordLabel?: string }[]).find(
    (c) => c.crmId === crmId,
  );
  assert.equal(coupling?.erpRecordLabel, 'C10000 Adatum AS', r.text);
});
