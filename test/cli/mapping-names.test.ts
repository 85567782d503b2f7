import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openJobQueue } from '../../src/cli/job-queue.ts';
import type { PgBoss } from '../../src/db/job-queue.ts';
import { STATISTICS_JOB } from '../../src/flows/account-statistics/statistics-job.ts';
import { buildServer } from '../../src/server/app.ts';
import { beginJob, finishJob } from '../../src/sync/engine/job-log.ts';
import { defaultMappings } from '../../src/sync/mappings/default-mappings.ts';
import { saveMapping } from '../../src/sync/mappings/mapping-repo.ts';
import { emptyCounters } from '../../src/sync/model.ts';
import { runKobling } from '../helpers/cli.ts';
import { createMigratedDb } from '../helpers/database.ts';
import {
  callJson,
  signIn,
  startTestServer,
  type TestServer,
  testConfig,
} from '../helpers/server.ts';

/**
 * Mapping names as users give them. A name in any case names the stored one (CUSTOMER: BC's
 * mapping names are upper-case codes), in the CLI's lists and arguments and in the API's
 * queries and paths (src/sync/mappings/mapping-name.ts). A list filtered by a mapping that does
 * not exist is a not_found, not an empty list ("No skipped records of NOPE" said the mapping had
 * none), checked where the pages are read (src/integration/keyset-list.ts); a flow's job (CUSTOMER
 * STATISTICS), which no table mapping has, still lists. The web pages' filters answer the same
 * 404, and so do the scheduled jobs (named like the mappings), a bulk conflict resolution and a
 * full synchronization restart when the mapping does not exist at all.
 */
const SECRET = 'u'.repeat(40);
const UNKNOWN = "No table mapping named 'NOPE'; the table mappings are CUSTOMER";
const TYPO = "No table mapping named 'CUSTMER'; did you mean CUSTOMER?";
/** A line restart before any full synchronization: no mapping has a line to offer. */
/** A restart of a mapping that gets a line, before any full synchronization was started. */
const NOT_STARTED =
  "No full synchronization line for mapping 'CUSTOMER': no full synchronization has been started yet; `kobling sync full` (POST …/fullSync/start) starts it";
const NO_LINES = (given: string) =>
  `No table mapping named '${given}'; there are no mappings with a full synchronization line yet`;
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

test('the web list pages answer 404 with the mapping meant for an unknown mapping filter', async () => {
  await server.tokenFor('readOnly', 'names-reader');
  const { page } = await signIn(server, 'names-reader');
  const shown = TYPO.replaceAll("'", '&#39;');
  for (const [path, empty] of [
    ['/integration/log', 'No synchronization has run yet.'],
    ['/integration/skipped', 'No skipped records.'],
    ['/integration/conflicts', 'No conflicts: nothing waits for a choice.'],
  ] as const) {
    const typo = await page(`${path}?mapping=custmer`);
    assert.equal(typo.status, 404, path);
    assert.ok(typo.html.includes(shown), `${path}: ${typo.html}`);
    assert.ok(!typo.html.includes(empty), path);
    const known = await page(`${path}?mapping=Customer`);
    assert.equal(known.status, 200, path);
    assert.ok(known.html.includes(empty), path);
  }
  const flow = await page('/integration/log?mapping=customer%20statistics');
  assert.equal(flow.status, 200);
  assert.ok(!flow.html.includes('No synchronization has run yet.'));
});

test('the CLI names scheduled jobs in any case; --run says how a mapping job runs', async () => {
  const mapping = await kobling('schedule', '--run', 'customer');
  assert.equal(mapping.code, 2, mapping.output);
  assert.match(
    mapping.output,
    /error \[validation_failed\]: CUSTOMER is a table mapping's synchronization job: run it now with kobling sync CUSTOMER; kobling schedule --run runs CUSTOMER STATISTICS or POSTEDSALESINV-INV/,
  );
  const typo = await kobling('schedule', '--run', 'custmer');
  assert.equal(typo.code, 1, typo.output);
  assert.match(
    typo.output,
    /error \[not_found\]: No scheduled job named 'CUSTMER'; did you mean CUSTOMER\?/,
  );
  // Found and run: what stops it is the connection, not the name.
  const flow = await kobling('schedule', '--run', 'customer statistics');
  assert.doesNotMatch(flow.output, /not_found|No scheduled job|No job named/, flow.output);
});

test('conflicts resolve and a full synchronization restart: not_found with the one meant for a mapping that does not exist', async () => {
  const typo = await kobling('conflicts', 'resolve', '--mapping', 'custmer', '--take', 'crm');
  assert.equal(typo.code, 1, typo.output);
  assert.ok(typo.output.includes(`error [not_found]: ${TYPO}`), typo.output);
  // A line to restart is named as typed; only the mappings with a line are offered, none here.
  const restart = await kobling('sync', 'full', '--restart', 'custmer');
  assert.equal(restart.code, 1, restart.output);
  assert.ok(restart.output.includes(`error [not_found]: ${NO_LINES('custmer')}`), restart.output);
  const none = await kobling('conflicts', 'resolve', '--mapping', 'customer', '--take', 'crm');
  assert.equal(none.code, 1, none.output);
  assert.match(none.output, /error \[conflict_not_found\]: Mapping CUSTOMER has no open conflicts/);
  const noLine = await kobling('sync', 'full', '--restart', 'customer');
  assert.equal(noLine.code, 1, noLine.output);
  // Why there is none, and what to do: the same words as the API's (below).
  assert.ok(noLine.output.includes(`error [not_found]: ${NOT_STARTED}\n`), noLine.output);
});

describe('the API with a job queue', () => {
  let boss: PgBoss;
  let app: Awaited<ReturnType<typeof buildServer>>;
  let token: string;
  before(async () => {
    const base = { config: testConfig(), db, logger: server.ctx.logger, clock: server.ctx.clock };
    boss = await openJobQueue(base);
    app = await buildServer({ ...base, boss });
    token = await server.tokenFor('admin');
  });
  after(async () => {
    await app?.close();
    await boss?.stop({ graceful: false, wait: true });
  });
  const call = async (method: 'POST' | 'PATCH', url: string, payload?: object) => {
    const r = await app.inject({
      method,
      url: `/api/integration/v1/${url}`,
      headers: { authorization: `Bearer ${token}` },
      ...(payload ? { payload } : {}),
    });
    return { status: r.statusCode, json: r.json() };
  };
  const notFound = (message: string) => ({ error: { code: 'not_found', message } });

  test('scheduled jobs are named in any case; an unknown one is a 404 with the one meant', async () => {
    const patched = await call('PATCH', 'scheduledJobs/customer', { intervalMinutes: 45 });
    assert.equal(patched.status, 200, JSON.stringify(patched.json));
    assert.equal(patched.json.mapping, 'CUSTOMER');
    assert.equal(patched.json.intervalMinutes, 45);
    const flow = await call('POST', 'scheduledJobs/customer%20statistics/run', {});
    assert.equal(flow.status, 202, JSON.stringify(flow.json));
    assert.match(
      flow.json.message,
      /^CUSTOMER STATISTICS is queued; its run shows in GET \/jobs\?mapping=CUSTOMER%20STATISTICS once a worker takes it$/,
    );
    const mapping = await call('POST', 'scheduledJobs/Customer/run', {});
    assert.equal(mapping.status, 202, JSON.stringify(mapping.json));
    assert.match(
      mapping.json.message,
      /^CUSTOMER is queued; its run shows in GET \/jobs\?mapping=CUSTOMER once a worker takes it$/,
    );
    const typo = "No scheduled job named 'CUSTMER'; did you mean CUSTOMER?";
    for (const r of [
      await call('PATCH', 'scheduledJobs/custmer', { enabled: false }),
      await call('POST', 'scheduledJobs/custmer/run', {}),
    ]) {
      assert.equal(r.status, 404);
      assert.deepEqual(r.json, notFound(typo));
    }
  });

  test('conflicts resolve and a line restart: not_found with the one meant for a mapping that does not exist', async () => {
    const conflicts = await call('POST', 'conflicts/resolve', { mapping: 'custmer', take: 'crm' });
    assert.equal(conflicts.status, 404);
    assert.deepEqual(conflicts.json, notFound(TYPO));
    const restart = await call('POST', 'fullSync/lines/custmer/restart');
    assert.equal(restart.status, 404);
    assert.deepEqual(restart.json, notFound(NO_LINES('CUSTMER')));
    const none = await call('POST', 'conflicts/resolve', { mapping: 'customer', take: 'crm' });
    assert.equal(none.json.error.code, 'conflict_not_found');
    const noLine = await call('POST', 'fullSync/lines/customer/restart');
    assert.deepEqual(noLine.json, notFound(NOT_STARTED));
  });
});
