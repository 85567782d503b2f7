import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
// @ts-expect-error the package ships no type declarations
import parsePrometheus from 'parse-prometheus-text-format';
import { resetCrmHealth } from '../../src/integration/health/crm-health.ts';
import { integrationStatus } from '../../src/integration/status/mapping-status.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { beginJob, finishJob, logRecordError } from '../../src/sync/engine/job-log.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { emptyCounters } from '../../src/sync/model.ts';
import { listErrors } from '../../src/sync/queries.ts';
import { runKobling } from '../helpers/cli.ts';
import { startTestServer, type TestServer, testConfig } from '../helpers/server.ts';
import { insertCustomers } from '../helpers/sync-data.ts';
import { type SyncFixture, startSyncFixture } from '../sync/sync-fixture.ts';

const SECRET_KEY = 't'.repeat(40);
let fx: SyncFixture;
let server: TestServer;
let env: Record<string, string>;
let token: string;

before(async () => {
  fx = await startSyncFixture();
  await fx.connect(testConfig({ KOBLING_SECRET_KEY: SECRET_KEY }));
  await fx.setMapping({ ...fx.mapping('CUSTOMER'), syncOnlyCoupled: false });
  server = await startTestServer(fx.db, undefined, { KOBLING_SECRET_KEY: SECRET_KEY });
  env = { DATABASE_URL: fx.db.url, KOBLING_SECRET_KEY: SECRET_KEY };
  token = await server.tokenFor('readOnly', 'truth-reader');
});
after(async () => {
  await server?.close();
  await fx?.close();
});

const api = async (path: string) => {
  const res = await fetch(`${server.baseUrl}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200, path);
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected freely
  return (await res.json()) as any;
};

/** A record error of an ERP customer, logged by a pass of its own (as a failed coupling is). */
async function failCustomer(erpId: string, message: string): Promise<void> {
  const job = await beginJob(fx.db, 'CUSTOMER', 'ToIntegrationTable', 'manual', 'Coupling');
  await logRecordError(fx.db, job, 'CUSTOMER', 'ToIntegrationTable', {
    erpTable: 'customers',
    erpId,
    crmEntity: 'account',
    crmId: null,
    message,
  });
  await finishJob(fx.db, job, { ...emptyCounters(), failed: 1 }, { status: 'succeeded' });
}

const openFor = async (erpId: string) =>
  (await listErrors(fx.db, { mapping: 'CUSTOMER', top: 1000, skip: 0 })).filter(
    (e) => e.erpId === erpId,
  );

test('errors list only open ones by default; a coupling or a later success settles them', async () => {
  const [id] = await insertCustomers(fx.db, 1, { number: 'T', name: 'Truth', city: 'Bergen' });
  await failCustomer(id!, 'Failed to couple the record because no unique match was found');
  assert.equal((await openFor(id!)).length, 1, 'open until something settles it');
  assert.equal((await integrationStatus(fx.db, systemClock)).openErrors, 1);

  // The next pass creates the account and couples the customer: the coupling failure is settled.
  const run = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.ok(
    run.every((r) => r.status === 'succeeded'),
    JSON.stringify(run),
  );
  assert.deepEqual(await openFor(id!), []);
  const all = (await listErrors(fx.db, { mapping: 'CUSTOMER', all: true, top: 1000, skip: 0 }))
    .filter((e) => e.erpId === id)
    .map((e) => e.settled);
  assert.deepEqual(all, [true], 'the history keeps it, marked settled');

  // A failure of the coupled record stays open until a later pass synchronizes it.
  await failCustomer(id!, 'Dynamics 365 Sales refused the account');
  assert.equal((await openFor(id!)).length, 1);
  await fx.db.query("UPDATE erp.customers SET city = 'Stavanger' WHERE id = $1", [id]);
  await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.deepEqual(await openFor(id!), []);
  const status = await integrationStatus(fx.db, systemClock);
  assert.equal(status.openErrors, 0);
  assert.equal(status.mappings.find((m) => m.mapping === 'CUSTOMER')?.openErrors, 0);

  const listed = await runKobling(['errors'], env);
  assert.equal(listed.code, 0, listed.output);
  assert.match(listed.output, /No open record errors\. kobling errors --all shows the history\./);
  const history = await runKobling(['errors', '--all'], env);
  assert.match(history.output, /Dynamics 365 Sales refused the account \(settled\)/);
  assert.equal((await api('/api/integration/v1/errors')).value.length, 0);
  const apiAll = (await api('/api/integration/v1/errors?all=true')).value;
  assert.equal(apiAll.length, 2);
  assert.ok(apiAll.every((e: { settled: boolean }) => e.settled));
});

test('kobling_sync_open_errors carries table mappings only, each with its open errors', async () => {
  const [erpId] = await insertCustomers(fx.db, 1, { number: 'Q', name: 'Quote', city: 'Oslo' });
  // The quote flow keeps its couplings under a name that is no table mapping.
  await fx.db.query(
    `INSERT INTO integration.couplings (id, mapping_name, erp_table, erp_id, crm_entity, crm_id, last_result_to_crm)
     VALUES (gen_random_uuid(), 'SALESQUOTE-QUOTE', 'salesQuotes', $1, 'quote', gen_random_uuid(), 'Failure')`,
    [erpId],
  );
  await failCustomer(erpId!, 'still failing');
  const res = await fetch(`${server.baseUrl}/metrics`);
  const families = parsePrometheus(await res.text()) as {
    name: string;
    metrics: { value: string; labels: Record<string, string> }[];
  }[];
  const open = families.find((f) => f.name === 'kobling_sync_open_errors')!;
  const mappings = new Set(open.metrics.map((m) => m.labels.mapping));
  assert.equal(mappings.has('SALESQUOTE-QUOTE'), false);
  assert.ok(mappings.has('CONTACT'), 'a mapping with nothing failing answers 0');
  const customerErrors = open.metrics.find(
    (m) => m.labels.mapping === 'CUSTOMER' && m.labels.kind === 'errors',
  );
  assert.equal(customerErrors?.value, '1');
});

test('a failed last pass and an unreachable CRM are warnings in status, CLI and Overview', async () => {
  const good = (
    await fx.db.query<{ w: string }>(
      "SELECT crm_watermark AS w FROM integration.table_mappings WHERE name = 'CUSTOMER'",
    )
  ).rows[0]!.w;
  await fx.db.query(
    "UPDATE integration.table_mappings SET crm_watermark = $1 || '/api/data/v9.2/accounts?$deltatoken=nonsense' WHERE name = 'CUSTOMER'",
    [fx.emulator.baseUrl],
  );
  try {
    await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
    const status = await api('/api/integration/v1/status');
    assert.equal(status.connection.crm, 'ok');
    assert.ok(
      status.warnings.some((w: string) => /^CUSTOMER: the last pass CRM → ERP failed \(/.test(w)),
      status.warnings.join('\n'),
    );
    const printed = await runKobling(['status'], env);
    assert.doesNotMatch(printed.output, /No warnings\./);
    assert.match(printed.output, /\d+ warnings?:\n(.|\n)*Last pass failed:/);
    assert.match(printed.output, /ERRORS: open record errors \(kobling errors; \d+ in all jobs/);
  } finally {
    await fx.db.query(
      "UPDATE integration.table_mappings SET crm_watermark = $1 WHERE name = 'CUSTOMER'",
      [good],
    );
  }

  await fx.db.query("UPDATE integration.connection SET crm_url = 'http://127.0.0.1:9'");
  resetCrmHealth();
  try {
    assert.equal((await fetch(`${server.baseUrl}/ready`)).status, 503);
    const status = await api('/api/integration/v1/status');
    assert.equal(status.connection.crm, 'failing');
    assert.match(status.warnings[0], /^The CRM connection fails, so nothing is synchronized: /);
    const printed = await runKobling(['status'], env);
    assert.match(printed.output, /127\.0\.0\.1:9; does not answer/);
    assert.match(printed.output, /! The CRM connection fails/);

    const login = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'truth-reader', password: 'correct horse battery' }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const page = await fetch(`${server.baseUrl}/`, { headers: { cookie } });
    const html = await page.text();
    assert.equal(page.status, 200, html);
    assert.ok(html.includes('The CRM connection fails'), 'the Overview warns');
    assert.doesNotMatch(html, /No warnings/);
    const failing = status.mappings.reduce(
      (n: number, m: { failedRecords: number }) => n + m.failedRecords,
      0,
    );
    assert.match(html, new RegExp(`Coupled records failing now</dt>\\s*<dd>${failing}<`));
    assert.match(html, new RegExp(`Open record errors</dt>\\s*<dd>${status.openErrors}<`));
  } finally {
    await fx.db.query('UPDATE integration.connection SET crm_url = $1', [fx.emulator.baseUrl]);
    resetCrmHealth();
  }
});

test('a pass a shutdown or a stop cut is no failure: status says the line was interrupted or stopped', async () => {
  await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  const cut = async (message: string) => {
    const job = await beginJob(fx.db, 'CUSTOMER', 'ToIntegrationTable', 'manual');
    await finishJob(fx.db, job, emptyCounters(), { status: 'failed', message });
  };
  const interrupted =
    'Interrupted by a shutdown on 2026-01-02 03:04:05 UTC after 40 of 100 records (40 inserted); continues where it stopped when a worker runs again';
  await fx.db.query(
    `INSERT INTO integration.full_sync_lines (mapping_name, position, direction, recommendation, status, message)
     VALUES ('CUSTOMER', 1, 'Bidirectional', 'FullSynchronization', 'Queued', $1)`,
    [interrupted],
  );
  try {
    await cut('Stopped by shutdown');
    const status = await api('/api/integration/v1/status');
    const customer = status.mappings.find((m: { mapping: string }) => m.mapping === 'CUSTOMER');
    assert.notEqual(customer.state, 'failing');
    assert.equal(customer.consecutiveFailures, 0);
    const mine = status.warnings.filter((w: string) => w.startsWith('CUSTOMER: '));
    assert.deepEqual(mine, [
      `CUSTOMER: its full synchronization was ${interrupted.replace(/^I/, 'i')}`,
    ]);
    const printed = await runKobling(['status'], env);
    assert.doesNotMatch(printed.output, /Last pass failed:|failed \(Stopped by/);
    assert.match(printed.output, /^CUSTOMER +warning +\S+ +.+? ago +interrupted /m);
    // The mappings (page and API) read it so too: no failure badge for it.
    const mapping = await api('/api/integration/v1/tableMappings/CUSTOMER');
    assert.equal(mapping.lastRunStatus, 'interrupted');
    assert.equal(mapping.lastFailure, null);

    // Stopped by hand: the stopped line's warning alone, the pass read as stopped.
    await cut('Stopped by admin');
    await fx.db.query(
      "UPDATE integration.full_sync_lines SET status = 'Stopped', message = 'Stopped by admin on 2026-01-02 03:04:05 UTC after 40 records (40 inserted); Restart continues where it stopped' WHERE mapping_name = 'CUSTOMER'",
    );
    const stopped = await api('/api/integration/v1/status');
    assert.deepEqual(
      stopped.warnings.filter((w: string) => w.startsWith('CUSTOMER: ')),
      [
        'CUSTOMER: its full synchronization was stopped by admin on 2026-01-02 03:04:05 UTC after 40 records (40 inserted) (kobling sync full --restart CUSTOMER continues it)',
      ],
    );
    assert.match(
      (await runKobling(['status'], env)).output,
      /^CUSTOMER +warning +.+ ago +stopped /m,
    );

    // A real failure before the cut still counts: the cut pass neither hides nor ends the row.
    await fx.db.query("DELETE FROM integration.full_sync_lines WHERE mapping_name = 'CUSTOMER'");
    await cut('The CRM answered 500');
    await cut('Stopped by shutdown');
    const failed = await api('/api/integration/v1/status');
    const again = failed.mappings.find((m: { mapping: string }) => m.mapping === 'CUSTOMER');
    assert.equal(again.state, 'failing');
    assert.deepEqual(
      failed.warnings.filter((w: string) => w.startsWith('CUSTOMER: ')),
      ['CUSTOMER: the last pass ERP → CRM failed (The CRM answered 500)'],
    );
  } finally {
    await fx.db.query("DELETE FROM integration.full_sync_lines WHERE mapping_name = 'CUSTOMER'");
    await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  }
});
