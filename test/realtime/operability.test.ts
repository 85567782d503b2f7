import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
// @ts-expect-error the package ships no type declarations
import parsePrometheus from 'parse-prometheus-text-format';
import { DataverseClient, staticTokenProvider } from '../../src/dataverse/index.ts';
import { crmPort } from '../../src/integration/adapters/crm-port.ts';
import { resetCrmHealth } from '../../src/integration/health/crm-health.ts';
import { integrationStatus } from '../../src/integration/status/mapping-status.ts';
import { fixedClock, systemClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { spawnKobling } from '../helpers/cli.ts';
import { startTestServer, type TestServer, testConfig } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from '../sync/sync-fixture.ts';

const SECRET_KEY = 'o'.repeat(40);
let fx: SyncFixture;
let server: TestServer;
let token: string;

before(async () => {
  fx = await startSyncFixture();
  const deps = {
    db: fx.db,
    config: testConfig({ KOBLING_SECRET_KEY: SECRET_KEY }),
    logger: createLogger('silent'),
  };
  await fx.connect(deps.config);
  await fx.setMapping({
    ...fx.mapping('CUSTOMER'),
    syncOnlyCoupled: false,
    direction: 'ToIntegrationTable',
  });
  server = await startTestServer(fx.db, undefined, { KOBLING_SECRET_KEY: SECRET_KEY });
  token = await server.tokenFor('readOnly');
});
after(async () => {
  await server?.close();
  await fx?.close();
});

interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string> }[];
}

async function scrape(): Promise<Map<string, Family>> {
  const res = await fetch(`${server.baseUrl}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const families = parsePrometheus(await res.text()) as Family[];
  return new Map(families.map((f) => [f.name, f]));
}

const sample = (f: Family | undefined, labels: Record<string, string>) =>
  Number(
    f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ??
      0,
  );

test('/metrics parses as Prometheus text and moves when records sync', async () => {
  const before = await scrape();
  const inserted = { mapping: 'CUSTOMER', direction: 'ToIntegrationTable', outcome: 'inserted' };
  const was = sample(before.get('kobling_sync_records_total'), inserted);
  await fx.db.query(
    `INSERT INTO erp.customers (number, display_name) SELECT 'M' || g, 'Metrics customer ' || g FROM generate_series(1, 7) g`,
  );
  const reports = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.ok(reports.every((r) => r.status === 'succeeded'));
  const after = await scrape();
  assert.equal(after.get('kobling_sync_records_total')?.type, 'COUNTER');
  assert.equal(sample(after.get('kobling_sync_records_total'), inserted), was + 7);
  assert.ok(
    sample(after.get('kobling_sync_runs_total'), {
      mapping: 'CUSTOMER',
      direction: 'ToIntegrationTable',
      outcome: 'succeeded',
    }) >= 1,
  );
  assert.equal(after.get('kobling_propagation_lag_seconds')?.type, 'HISTOGRAM');
  assert.ok(after.has('kobling_job_queue_depth'));
  assert.ok(after.has('kobling_erp_postings_total'));
});

test('/ready names the failing check when the enabled CRM connection does not answer', async () => {
  resetCrmHealth();
  const ok = await fetch(`${server.baseUrl}/ready`);
  assert.equal(ok.status, 200);
  assert.deepEqual(((await ok.json()) as { checks: unknown }).checks, {
    database: 'ok',
    jobQueue: 'not used',
    crm: 'ok',
  });
  await fx.db.query("UPDATE integration.connection SET crm_url = 'http://127.0.0.1:9'");
  resetCrmHealth();
  try {
    const down = await fetch(`${server.baseUrl}/ready`);
    assert.equal(down.status, 503);
    const body = (await down.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'not_ready');
    assert.match(body.error.message, /Dynamics 365 Sales/);
  } finally {
    await fx.db.query('UPDATE integration.connection SET crm_url = $1', [fx.emulator.baseUrl]);
    resetCrmHealth();
  }
});

test('status: a mapping that keeps failing and one that is overdue are warnings', async () => {
  // The CRM is unreachable for these runs: each pass fails for real and is logged as failed.
  const dead = new DataverseClient({
    orgUrl: 'http://127.0.0.1:9',
    tokenProvider: staticTokenProvider('x'),
    retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 },
  });
  await fx.db.query("UPDATE erp.customers SET city = 'Failing' WHERE number = 'M1'");
  for (let i = 0; i < 3; i++)
    await runMapping({ ...fx.ctx, crm: crmPort(dead) }, fx.mapping('CUSTOMER'));
  const now = await integrationStatus(fx.db, systemClock);
  const customer = now.mappings.find((m) => m.mapping === 'CUSTOMER')!;
  assert.equal(customer.state, 'warning');
  assert.equal(customer.consecutiveFailures, 3);
  assert.ok(customer.pendingErpChanges >= 1, 'the edit is still waiting');
  assert.ok(customer.lagSeconds !== null && customer.lagSeconds >= 0);
  assert.ok(now.warnings.some((w) => /^CUSTOMER: keeps failing/.test(w)));

  await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  const later = fixedClock(new Date(Date.now() + 2 * 3600_000));
  const overdue = await integrationStatus(fx.db, later);
  const c2 = overdue.mappings.find((m) => m.mapping === 'CUSTOMER')!;
  assert.equal(c2.consecutiveFailures, 0);
  assert.equal(c2.pendingErpChanges, 0);
  assert.ok(c2.warnings.some((w) => /has not run for \d+ min \(interval 30 min\)/.test(w)));
});

test('status over the integration API and `kobling status --json`', async () => {
  const res = await fetch(`${server.baseUrl}/api/integration/v1/status`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { mappings: { mapping: string }[] };
  assert.ok(body.mappings.some((m: { mapping: string }) => m.mapping === 'CUSTOMER'));
  const cli = spawnKobling(['status', '--json'], {
    DATABASE_URL: fx.db.url,
    KOBLING_SECRET_KEY: SECRET_KEY,
  });
  assert.equal(await cli.exited(), 0, cli.output());
  const printed = JSON.parse(cli.output());
  assert.deepEqual(
    printed.mappings.map((m: { mapping: string }) => m.mapping),
    body.mappings.map((m: { mapping: string }) => m.mapping),
  );
});

test('the realtime switch is part of the mapping API', async () => {
  const admin = await server.tokenFor('admin');
  const patch = await fetch(`${server.baseUrl}/api/integration/v1/tableMappings/CUSTOMER`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ realtime: false }),
  });
  assert.equal(patch.status, 200);
  assert.equal(((await patch.json()) as { realtime: boolean }).realtime, false);
  const list = await fetch(`${server.baseUrl}/api/integration/v1/tableMappings`, {
    headers: { authorization: `Bearer ${admin}` },
  });
  const customer = (
    (await list.json()) as { value: { name: string; realtime: boolean }[] }
  ).value.find((m: { name: string }) => m.name === 'CUSTOMER');
  assert.equal(customer?.realtime, false);
  const bad = await fetch(`${server.baseUrl}/api/integration/v1/tableMappings/CUSTOMER`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ realtime: 'yes' }),
  });
  assert.equal(bad.status, 400);
});
