import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
// @ts-expect-error the package ships no type declarations
import parsePrometheus from 'parse-prometheus-text-format';
import { startJobQueue } from '../../src/db/job-queue.ts';
import { failureLog } from '../../src/integration/realtime/failure-log.ts';
import { startRealtime } from '../../src/integration/realtime/realtime-service.ts';
import { listScheduledJobs } from '../../src/integration/scheduled-jobs.ts';
import { integrationStatus } from '../../src/integration/status/mapping-status.ts';
import { fixedClock, systemClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { runKobling } from '../helpers/cli.ts';
import { startTestServer, type TestServer, testConfig } from '../helpers/server.ts';
import { insertCustomers } from '../helpers/sync-data.ts';
import { type SyncFixture, startSyncFixture } from '../sync/sync-fixture.ts';

const SECRET_KEY = 'v'.repeat(40);
let fx: SyncFixture;
let server: TestServer;
let env: Record<string, string>;
let goodWatermark: string;

before(async () => {
  fx = await startSyncFixture();
  await fx.connect(testConfig({ KOBLING_SECRET_KEY: SECRET_KEY }));
  await fx.setMapping({ ...fx.mapping('CUSTOMER'), syncOnlyCoupled: false });
  await insertCustomers(fx.db, 2, { number: 'V', name: 'Visible customer', city: 'Oslo' });
  const first = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.ok(first.every((r) => r.status === 'succeeded'));
  goodWatermark = (
    await fx.db.query<{ w: string }>(
      "SELECT crm_watermark AS w FROM integration.table_mappings WHERE name = 'CUSTOMER'",
    )
  ).rows[0]!.w;
  server = await startTestServer(fx.db, undefined, { KOBLING_SECRET_KEY: SECRET_KEY });
  env = { DATABASE_URL: fx.db.url, KOBLING_SECRET_KEY: SECRET_KEY };
});
after(async () => {
  await server?.close();
  await fx?.close();
});

/** A CRM → ERP pass that fails as a whole: its change-tracking link is not one the CRM knows. */
const breakCrmWatermark = () =>
  fx.db.query(
    "UPDATE integration.table_mappings SET crm_watermark = $1 || '/api/data/v9.2/accounts?$deltatoken=nonsense' WHERE name = 'CUSTOMER'",
    [fx.emulator.baseUrl],
  );

test('a failing CRM → ERP direction of a bidirectional mapping shows in status, jobs, sync, API and web', async () => {
  await breakCrmWatermark();
  const once = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.deepEqual(
    once.map((r) => [r.direction, r.status]),
    [
      ['ToIntegrationTable', 'succeeded'],
      ['FromIntegrationTable', 'failed'],
    ],
  );
  const why = once[1]!.message!;
  let status = await integrationStatus(fx.db, systemClock);
  let customer = status.mappings.find((m) => m.mapping === 'CUSTOMER')!;
  assert.equal(customer.state, 'failing', 'one failed pass: failing, not yet a warning');
  assert.equal(customer.lastRun?.direction, 'FromIntegrationTable');
  assert.deepEqual(
    customer.directions.map((d) => [d.direction, d.lastRun.status, d.consecutiveFailures]),
    [
      ['ToIntegrationTable', 'succeeded', 0],
      ['FromIntegrationTable', 'failed', 1],
    ],
  );

  // Alternating ERP → CRM succeeded / CRM → ERP failed: the failures in a row are per direction.
  for (let i = 0; i < 2; i++) await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  status = await integrationStatus(fx.db, systemClock);
  customer = status.mappings.find((m) => m.mapping === 'CUSTOMER')!;
  assert.equal(customer.state, 'warning');
  assert.equal(customer.consecutiveFailures, 3);
  assert.ok(
    status.warnings.some((w) =>
      w.startsWith(`CUSTOMER: keeps failing CRM → ERP: the last 3 passes failed (${why})`),
    ),
    status.warnings.join('\n'),
  );

  const printed = await runKobling(['status'], env);
  assert.equal(printed.code, 0, printed.output);
  assert.match(printed.output, /1 warning:/);
  assert.match(
    printed.output,
    /Last pass failed:\n {2}CUSTOMER CRM → ERP failed .* \(3 in a row\): /,
  );
  assert.match(printed.output, /\nCUSTOMER\s+warning\s+\S+\s+.*\bfailed\b/);

  const jobs = await runKobling(['jobs', '--mapping', 'CUSTOMER', '--top', '2'], env);
  assert.equal(jobs.code, 0, jobs.output);
  assert.ok(jobs.output.includes(`FromIntegrationTable  failed    ${why}`), jobs.output);
  assert.doesNotMatch(jobs.output, /failed\s+nothing to do/);

  const sync = await runKobling(['sync', 'CUSTOMER'], env);
  assert.notEqual(sync.code, 0);
  assert.ok(sync.output.includes(`The CRM → ERP pass of CUSTOMER failed: ${why}`), sync.output);
  assert.match(sync.output, /kobling jobs --mapping CUSTOMER/);

  // The API answers the same shape one by one as in the list, with the failure.
  const token = await server.tokenFor('readOnly', 'visible-reader');
  const get = async (path: string) => {
    const res = await fetch(`${server.baseUrl}/api/integration/v1/${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200);
    return (await res.json()) as Record<string, unknown>;
  };
  const one = await get('tableMappings/CUSTOMER');
  const list = (await get('tableMappings')).value as Record<string, unknown>[];
  assert.deepEqual(
    one,
    list.find((m) => m.name === 'CUSTOMER'),
  );
  for (const k of ['realtime', 'numberOfErrors', 'numberOfSkipped', 'lastRunAt'])
    assert.ok(k in one, k);
  assert.equal((one.lastFailure as { direction: string }).direction, 'FromIntegrationTable');
  assert.equal((one.lastFailure as { message: string }).message, why);

  const login = await fetch(`${server.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'visible-reader', password: 'correct horse battery' }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const page = await fetch(`${server.baseUrl}/integration/mappings`, { headers: { cookie } });
  const html = await page.text();
  assert.equal(page.status, 200, html);
  assert.match(html, /<span class="badge bad">CRM → ERP failed<\/span>/);
  assert.ok(html.includes('Reading changes'), 'the message is on the page');
});

test('schedule: a never-run mapping is due one interval after the integration was enabled', async () => {
  await fx.db.query(
    "UPDATE integration.table_mappings SET job_enabled = true, job_interval_minutes = 45 WHERE name = 'CONTACT'",
  );
  const enabledAt = (
    await fx.db.query<{ enabled_at: Date }>('SELECT enabled_at FROM integration.connection')
  ).rows[0]!.enabled_at;
  const jobs = await listScheduledJobs(fx.db, new Date(enabledAt.getTime() + 60_000));
  const contact = jobs.find((j) => j.mapping === 'CONTACT')!;
  assert.equal(contact.lastRunAt, null);
  assert.equal(contact.nextRunAt?.getTime(), enabledAt.getTime() + 45 * 60_000);
});

test('/metrics reports 0 for a known queue with nothing waiting', async () => {
  const boss = await startJobQueue(fx.db, createLogger('silent'));
  try {
    await boss.createQueue('visibility-empty');
    const res = await fetch(`${server.baseUrl}/metrics`);
    const families = parsePrometheus(await res.text()) as {
      name: string;
      metrics: { value: string; labels: Record<string, string> }[];
    }[];
    const depth = families.find((f) => f.name === 'kobling_job_queue_depth');
    const empty = depth?.metrics.find((m) => m.labels.queue === 'visibility-empty');
    assert.equal(empty?.value, '0');
  } finally {
    await boss.stop({ graceful: false });
  }
});

test('polling failures: a warning at the first, at most one per repeat time, info on recovery', () => {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const clock = fixedClock('2026-01-01T00:00:00Z');
  const log = failureLog({
    logger: createLogger('info', sink),
    clock,
    what: 'CRM change polling',
    fields: { mapping: 'CONTACT' },
    repeatMs: 300_000,
  });
  const warn = () => lines.filter((l) => l.level === 40).map((l) => l.msg);
  log.succeeded();
  assert.equal(lines.length, 0, 'working polling says nothing');
  for (let i = 0; i < 60; i++) {
    log.failed(new Error('connect ECONNREFUSED'));
    clock.advance(2000);
  }
  assert.deepEqual(warn(), ['CRM change polling failed']);
  for (let i = 0; i < 100; i++) {
    log.failed(new Error('connect ECONNREFUSED'));
    clock.advance(2000);
  }
  assert.equal(warn().length, 2, 'one more after five minutes');
  assert.match(warn()[1]!, /still failing \(\d+ more failures?/);
  log.succeeded();
  const info = lines.filter((l) => l.level === 30).map((l) => l.msg);
  assert.deepEqual(info, ['CRM change polling works again after 160 failures over 320 s']);
  log.failed(new Error('again'));
  assert.equal(warn().length, 3, 'a new outage warns again at once');
});

test('the real-time service warns once when CRM polling fails and says when it works again', async () => {
  const lines: { level: number; msg: string; mapping?: string }[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  await breakCrmWatermark();
  await fx.db.query('UPDATE integration.table_mappings SET realtime = (name = $1)', ['CUSTOMER']);
  const service = await startRealtime(
    {
      db: fx.db,
      config: testConfig({ KOBLING_SECRET_KEY: SECRET_KEY }),
      logger: createLogger('info', sink),
      clock: systemClock,
    },
    { refreshMs: 200, pollMs: 100, maxPollMs: 200 },
  );
  const polling = () => lines.filter((l) => /^CRM change polling/.test(l.msg));
  const until = async (what: string, check: () => boolean) => {
    const deadline = Date.now() + 20_000;
    while (!check()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    await until('the first warning', () => polling().length > 0);
    // Several more looks fail (every 200 ms at most); none of them is a new warning.
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(
      polling().map((l) => [l.level, l.mapping]),
      [[40, 'CUSTOMER']],
    );
    // The CRM's refusal is an expected failure: its code and the next try, no stack.
    assert.match(
      polling()[0]!.msg,
      /^CRM change polling failed: .+ \(http_error\); next try in \d+ ms$/,
    );
    assert.ok(!('err' in polling()[0]!));
    await fx.db.query(
      "UPDATE integration.table_mappings SET crm_watermark = $1 WHERE name = 'CUSTOMER'",
      [goodWatermark],
    );
    await until('the recovery line', () => polling().length > 1);
    assert.equal(polling()[1]!.level, 30);
    assert.match(polling()[1]!.msg, /^CRM change polling works again after \d+ failures?/);
  } finally {
    await service.stop();
  }
});
