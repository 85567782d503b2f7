import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { STATISTICS_JOB } from '../../src/flows/account-statistics/statistics-job.ts';
import { beginJob, finishJob } from '../../src/sync/engine/job-log.ts';
import { defaultMappings } from '../../src/sync/mappings/default-mappings.ts';
import { saveMapping } from '../../src/sync/mappings/mapping-repo.ts';
import { emptyCounters } from '../../src/sync/model.ts';
import { runKobling } from '../helpers/cli.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { callJson, startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * Mapping names as users give them. A name in any case names the stored one (CUSTOMER: BC's
 * mapping names are upper-case codes), in the CLI's lists and arguments and in the API's
 * queries and paths (src/sync/mappings/mapping-name.ts). A list filtered by a mapping that does
 * not exist is a not_found, not an empty list ("No skipped records of NOPE" said the mapping had
 * none), checked where the pages are read (src/integration/keyset-list.ts); a flow's job (CUSTOMER
 * STATISTICS), which no table mapping has, still lists.
 */
const SECRET = 'u'.repeat(40);
const UNKNOWN = "No table mapping named 'NOPE'; the table mappings are CUSTOMER";
let db: Awaited<ReturnType<typeof createMigratedDb>>;
let server: TestServer;
before(async () => {
  db = await createMigratedDb('mappingnames');
  const customer = defaultMappings({
    ownershipModel: 'Person',
    unitGroupMapping: true,
    salesOrderIntegration: true,
  }).find((m) => m.name === 'CUSTOMER');
  assert.ok(customer);
  await saveMapping(db, customer, 1);
  // The statistics flow's job, logged as the flow logs it (src/flows/account-statistics).
  const job = await beginJob(db, STATISTICS_JOB, 'ToIntegrationTable', 'schedule');
  await finishJob(db, job, emptyCounters(), { status: 'succeeded', message: 'test' });
  server = await startTestServer(db, undefined, { KOBLING_SECRET_KEY: SECRET });
});
after(async () => {
  await server?.close();
  await db?.drop();
});

const kobling = (...args: string[]) =>
  runKobling(args, { DATABASE_URL: db.url, KOBLING_SECRET_KEY: SECRET });

test('the list commands refuse an unknown --mapping as not_found (exit 1); a known one lists in any case', async () => {
  const lists: [string[], string][] = [
    [['skipped'], 'No skipped records of CUSTOMER.'],
    [['errors'], 'No open record errors of CUSTOMER. kobling errors --all shows the history.'],
    [['errors', '--all'], 'No record errors of CUSTOMER.'],
    [['jobs'], 'No jobs of CUSTOMER.'],
    [['couplings'], 'No couplings of CUSTOMER.'],
    [['conflicts'], 'The conflict inbox is empty for CUSTOMER.'],
  ];
  for (const [list, empty] of lists) {
    const run = await kobling(...list, '--mapping', 'nope');
    assert.equal(run.code, 1, `${list.join(' ')}: ${run.output}`);
    assert.ok(run.output.includes(`error [not_found]: ${UNKNOWN}`), run.output);
    assert.doesNotMatch(run.output, /^No /m, `${list.join(' ')}: no empty list`);
    const known = await kobling(...list, '--mapping', 'Customer');
    assert.equal(known.code, 0, `${list.join(' ')}: ${known.output}`);
    assert.equal(known.output.trim(), empty, list.join(' '));
  }
});

test("a flow's job lists under its name in any case; skipped retry takes the name in any case", async () => {
  const jobs = await kobling('jobs', '--mapping', 'customer statistics');
  assert.equal(jobs.code, 0, jobs.output);
  assert.match(jobs.output, /CUSTOMER STATISTICS/);
  assert.match(jobs.output, /^1 job of CUSTOMER STATISTICS$/m);
  const retry = await kobling('skipped', 'retry', '--mapping', 'customer');
  assert.equal(retry.code, 0, retry.output);
  assert.match(retry.output, /No skipped records of CUSTOMER: nothing retried\./);
  const typo = await kobling('skipped', 'restore', '--mapping', 'custmer');
  assert.equal(typo.code, 1, typo.output);
  assert.match(typo.output, /No table mapping named 'CUSTMER'; did you mean CUSTOMER\?/);
});

test("the API's list filters answer 404 not_found for an unknown mapping, and list a known one in any case", async () => {
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
    const r = await callJson(`${url}nope`, 'GET', token);
    assert.equal(r.status, 404, `${list}: ${r.text}`);
    assert.deepEqual(r.json, { error: { code: 'not_found', message: UNKNOWN } }, list);
    const known = await callJson(`${url}customer`, 'GET', token);
    assert.equal(known.status, 200, `${list}: ${known.text}`);
  }
  const flow = await callJson(
    `${server.baseUrl}/api/integration/v1/jobs?mapping=Customer%20Statistics`,
    'GET',
    token,
  );
  assert.equal(flow.status, 200, flow.text);
  assert.deepEqual(
    flow.json.value.map((j: { mapping: string }) => j.mapping),
    [STATISTICS_JOB],
  );
});

test("the API's paths name a mapping in any case; an unknown one is a 404 with the one meant", async () => {
  const token = await server.tokenFor('admin');
  const base = `${server.baseUrl}/api/integration/v1/tableMappings`;
  const one = await callJson(`${base}/customer`, 'GET', token);
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.name, 'CUSTOMER');
  const fields = await callJson(`${base}/Customer/fieldMappings`, 'GET', token);
  assert.equal(fields.status, 200, fields.text);
  assert.ok(fields.json.value.length > 0);
  const typo = await callJson(`${base}/customr`, 'GET', token);
  assert.equal(typo.status, 404, typo.text);
  assert.deepEqual(typo.json, {
    error: {
      code: 'not_found',
      message: "No table mapping named 'CUSTOMR'; did you mean CUSTOMER?",
    },
  });
});
