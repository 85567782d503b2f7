import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type PgBoss, startJobQueue, startWorkers } from '../../src/db/job-queue.ts';
import { fullSyncJob } from '../../src/integration/full-sync/full-sync-job.ts';
import { reviewLines, startFullSync } from '../../src/integration/full-sync/full-sync-service.ts';
import { newId } from '../../src/shared/ids.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { testConfig } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from '../sync/sync-fixture.ts';

// The whole full synchronization while the CRM emulator answers 20 % of the requests with 429
// (Retry-After) or 503 — and 20 % of the operations inside accepted $batch requests too: every
// line finishes, nothing is lost or duplicated on either side.
const N = 1500;
const EXISTING = 300;
const CRM_ONLY = 100;
let fx: SyncFixture;
let boss: PgBoss;
const logger = createLogger('silent');
let deps: { db: SyncFixture['db']; config: ReturnType<typeof testConfig>; logger: typeof logger };

before(async () => {
  fx = await startSyncFixture();
  deps = { db: fx.db, config: testConfig({ KOBLING_SECRET_KEY: 'q'.repeat(40) }), logger };
  await fx.connect(deps.config);
  await fx.db.query(
    `INSERT INTO erp.customers (number, display_name, city)
     SELECT 'T' || lpad(g::text, 5, '0'), 'Fault customer ' || g, 'Molde' FROM generate_series(1, $1) g`,
    [N],
  );
  // Accounts from before the integration: some are the ERP's customers, some only the CRM's.
  const made = await fx.user.executeBatch(
    [
      ...Array.from({ length: EXISTING }, (_, i) => `Fault customer ${i + 1}`),
      ...Array.from({ length: CRM_ONLY }, (_, i) => `Fault account ${i + 1}`),
    ].map((name) => ({
      kind: 'create' as const,
      entitySet: 'accounts',
      id: newId(),
      record: { name, customertypecode: 3 },
    })),
  );
  assert.ok(made.every((r) => r.ok));
  boss = await startJobQueue(fx.db, logger);
  await startWorkers(boss, [fullSyncJob(deps, boss)], {
    concurrency: 2,
    logger,
    pollingIntervalSeconds: 0.5,
  });
});
after(async () => {
  fx?.emulator.setFaults(undefined);
  await boss?.stop({ graceful: false, wait: true });
  await fx?.close();
});

const count = async (sql: string) => (await fx.db.query<{ n: number }>(sql)).rows[0]!.n;

test('with 20 % of CRM requests answered 429/503, the full synchronization completes with nothing lost', async () => {
  fx.emulator.setFaults({
    rate: 0.2,
    statuses: [429, 503],
    retryAfterSeconds: 1,
    batchOperationRate: 0.2,
  });
  const before = fx.emulator.stats();
  const started = await startFullSync(deps, boss);
  assert.ok(started.ok, started.ok ? '' : started.error.message);
  const deadline = Date.now() + 240_000;
  for (;;) {
    const lines = await reviewLines(deps);
    const busy = lines.some(
      (l) =>
        ['Queued', 'Running'].includes(l.status) ||
        (l.status === 'Pending' && l.waitingFor.length === 0),
    );
    if (!busy) break;
    assert.ok(
      Date.now() < deadline,
      `not finished: ${JSON.stringify(lines.map((l) => [l.mapping, l.status]))}`,
    );
    await new Promise((r) => setTimeout(r, 500));
  }
  const stats = fx.emulator.stats();
  fx.emulator.setFaults(undefined);
  const faults = stats.faults - before.faults;
  assert.ok(faults > 0, 'the emulator injected faults');

  const lines = await reviewLines(deps);
  const errors = await fx.db.query<{ direction: string; message: string }>(
    'SELECT direction, message FROM integration.sync_errors LIMIT 3',
  );
  for (const l of lines)
    assert.ok(
      ['Finished', 'NotNeeded'].includes(l.status),
      `${l.mapping}: ${l.status} ${l.message}\n${JSON.stringify(errors.rows)}`,
    );
  const customer = lines.find((l) => l.mapping === 'CUSTOMER')!;
  assert.equal(customer.matched, EXISTING);
  assert.equal(customer.ambiguous, 0);

  assert.equal(
    await count(
      "SELECT count(*)::int AS n FROM integration.couplings WHERE mapping_name = 'CUSTOMER' AND state = 'coupled' AND NOT skipped",
    ),
    N + CRM_ONLY,
    'every customer and every account coupled',
  );
  assert.equal(
    await count(
      "SELECT count(*)::int AS n FROM integration.couplings WHERE mapping_name = 'CUSTOMER' AND (state <> 'coupled' OR skipped)",
    ),
    0,
  );
  const accounts = await fx.db.query<{ n: number; names: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT data->>'name')::int AS names FROM crm.records
      WHERE entity = 'account' AND (data->>'name' LIKE 'Fault customer %' OR data->>'name' LIKE 'Fault account %')`,
  );
  assert.equal(accounts.rows[0]!.n, N + CRM_ONLY, 'one account per customer, none duplicated');
  assert.equal(accounts.rows[0]!.names, N + CRM_ONLY);
  const customers = await fx.db.query<{ n: number; names: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT display_name)::int AS names FROM erp.customers
      WHERE display_name LIKE 'Fault customer %' OR display_name LIKE 'Fault account %'`,
  );
  assert.equal(customers.rows[0]!.n, N + CRM_ONLY, 'the CRM-only accounts became customers once');
  assert.equal(customers.rows[0]!.names, N + CRM_ONLY);
  assert.equal(
    await count(
      `SELECT count(*)::int AS n FROM integration.couplings c
         JOIN erp.customers k ON k.id = c.erp_id
         JOIN crm.records a ON a.entity = 'account' AND a.id = c.crm_id
        WHERE c.mapping_name = 'CUSTOMER' AND a.data->>'name' = k.display_name AND coalesce(a.data->>'address1_city', '') = k.city`,
    ),
    N + CRM_ONLY,
    'each pair carries the same values on both sides',
  );
  console.log(`full synchronization through ${faults} injected faults`);
});
