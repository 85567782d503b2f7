import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, type KoblingProcess, runKobling, spawnKobling } from '../helpers/cli.ts';
import { connectCustomersBothWays, insertCustomers } from '../helpers/sync-data.ts';
import { type SyncFixture, startSyncFixture } from '../sync/sync-fixture.ts';

// One mapping run three ways at the same moment against a running `kobling start` (API, workers):
// `kobling sync CUSTOMER`, `POST …/tableMappings/CUSTOMER/runNow` and a queued run
// (`POST …/tableMappings/CUSTOMER/run`), with creates on both sides.
const SECRET_KEY = 'c'.repeat(40);
const ERP_N = 2000;
const CRM_N = 60;
/**
 * What a database error looks like when it leaks instead of being answered (a server's JSON log
 * line, or a one-shot command's readable one).
 */
const RAW_DB_ERROR =
  /duplicate key|violates|deadlock|could not serialize|current transaction is aborted|syntax error at|"level":(50|60)|^(error|fatal): /im;
let fx: SyncFixture;
let env: Record<string, string>;
let dataDir: string;
let server: KoblingProcess;
let baseUrl: string;
let token: string;

before(async () => {
  fx = await startSyncFixture();
  dataDir = mkdtempSync(path.join(tmpdir(), 'kobling-concurrent-'));
  token = await connectCustomersBothWays(fx, { secretKey: SECRET_KEY, username: 'runner' });
  env = { DATABASE_URL: fx.db.url, KOBLING_SECRET_KEY: SECRET_KEY, KOBLING_DATA_DIR: dataDir };
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  // Real-time propagation off: it would take the changes before the three runs below meet.
  server = spawnKobling(['start', '--no-crm-emulator', '--no-demo', '--port', String(port)], {
    ...env,
    KOBLING_REALTIME: 'false',
  });
  await server.waitFor(/Kobling is running/, 90_000);
});
after(async () => {
  await server?.stop();
  await fx?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const count = async (sql: string, params: unknown[] = []) =>
  (await fx.db.query<{ n: number }>(sql, params)).rows[0]!.n;

const post = async (url: string) => {
  const res = await fetch(`${baseUrl}/api/integration/v1${url}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: await res.text() };
};

test('CLI, runNow and a queued run of one mapping at once: no raw error, no duplicate, each runs or says busy/queued', async () => {
  await insertCustomers(fx.db, ERP_N, { number: 'W', name: 'Concurrent customer', city: 'Hamar' });
  for (let i = 1; i <= CRM_N; i++) {
    const r = await fx.user.create('accounts', {
      name: `Concurrent account ${i}`,
      customertypecode: 3,
    });
    assert.ok(r.ok);
  }
  const startedAt = new Date();
  const [cli, runNow, queued] = await Promise.all([
    runKobling(['sync', 'CUSTOMER', '--json'], env),
    post('/tableMappings/CUSTOMER/runNow'),
    post('/tableMappings/CUSTOMER/run'),
  ]);

  assert.equal(cli.code, 0, cli.output);
  assert.doesNotMatch(cli.output, RAW_DB_ERROR, cli.output);
  for (const r of [runNow, queued]) assert.doesNotMatch(r.body, RAW_DB_ERROR, r.body);
  // runNow ran (its jobs) or waited its 30 s and said the mapping is busy.
  if (runNow.status === 200) {
    const jobs = (JSON.parse(runNow.body) as { jobs: { status: string }[] }).jobs;
    assert.ok(jobs.length > 0 && jobs.every((j) => j.status === 'succeeded'), runNow.body);
  } else {
    assert.equal(runNow.status, 409, runNow.body);
    assert.equal(
      (JSON.parse(runNow.body) as { error: { code: string } }).error.code,
      'mapping_busy',
    );
  }
  assert.equal(queued.status, 202, queued.body);
  const q = JSON.parse(queued.body) as { queued: boolean; jobId: string | null; message?: string };
  assert.ok(q.queued || q.message, queued.body);

  // The queued run ends (it runs, or ends at once when it finds the mapping taken).
  if (q.jobId) {
    const deadline = Date.now() + 120_000;
    while (
      (await count(
        "SELECT count(*)::int AS n FROM pgboss.job WHERE id = $1 AND state IN ('completed', 'failed', 'cancelled')",
        [q.jobId],
      )) === 0
    ) {
      assert.ok(Date.now() < deadline, `the queued run never ended:\n${server.output()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(
      await count(
        "SELECT count(*)::int AS n FROM pgboss.job WHERE id = $1 AND state = 'completed'",
        [q.jobId],
      ),
      1,
      'the queued run did not fail',
    );
  }
  assert.doesNotMatch(server.output(), RAW_DB_ERROR, server.output());
  assert.equal(
    await count(
      "SELECT count(*)::int AS n FROM integration.sync_jobs WHERE mapping_name = 'CUSTOMER' AND started_at >= $1 AND status <> 'succeeded'",
      [startedAt],
    ),
    0,
    'every run that started succeeded',
  );

  const settle = await runKobling(['sync', 'CUSTOMER', '--json'], env);
  assert.equal(settle.code, 0, settle.output);
  const reports = JSON.parse(settle.output.slice(settle.output.indexOf('['))) as {
    counters: { inserted: number; failed: number };
  }[];
  for (const r of reports) assert.equal(r.counters.inserted + r.counters.failed, 0, settle.output);

  const accounts = await fx.db.query<{ n: number; names: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT data->>'name')::int AS names FROM crm.records
     WHERE entity = 'account' AND data->>'name' LIKE 'Concurrent customer %'`,
  );
  assert.deepEqual(accounts.rows[0], { n: ERP_N, names: ERP_N }, 'one CRM account per customer');
  const customers = await fx.db.query<{ n: number; names: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT display_name)::int AS names FROM erp.customers
     WHERE display_name LIKE 'Concurrent account %'`,
  );
  assert.deepEqual(customers.rows[0], { n: CRM_N, names: CRM_N }, 'one customer per account');
  assert.equal(
    await count(
      `SELECT count(*)::int AS n FROM integration.couplings
       WHERE mapping_name = 'CUSTOMER' AND (state <> 'coupled' OR skipped)`,
    ),
    0,
    'every record coupled, none skipped',
  );
});
