import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startJobQueue } from '../../src/db/job-queue.ts';
import { queueMappingRun, recoverDeadRuns } from '../../src/integration/sync-jobs.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { runKobling, spawnKobling } from '../helpers/cli.ts';
import { testConfig } from '../helpers/server.ts';
import {
  assertCoupledOnce,
  assertOneAccountEach,
  CUSTOMER_CREATES_IN_FLIGHT,
  countWith,
  insertCustomers,
  startCustomerSend,
  syncUntilQuiet,
} from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';

// The CLI's `kobling sync` against the fixture's database and CRM emulator: killed with SIGKILL in
// the middle of its `$batch` of creates, then run until it has nothing left to do.
const SECRET_KEY = 'r'.repeat(40);
const N = 3000;
const fx = useFixture(() =>
  startCustomerSend({
    secretKey: SECRET_KEY,
    n: N,
    customers: { number: 'K', name: 'Crash test customer', city: 'Bergen' },
  }),
);

const count = (sql: string, params: unknown[] = []) => countWith(fx.db)(sql, params);

test('kobling sync killed mid-$batch: the next runs couple every record exactly once, none skipped, no duplicate', async () => {
  const first = spawnKobling(['sync', 'CUSTOMER'], fx.env);
  // Kill it once creates are in flight (ids chosen and journaled, $batch on its way) but before the run is done.
  const deadline = Date.now() + 120_000;
  for (;;) {
    if ((await count(CUSTOMER_CREATES_IN_FLIGHT)) > 0) break;
    assert.ok(Date.now() < deadline, `no pending creates appeared:\n${first.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  first.child.kill('SIGKILL');
  await first.exited();
  assert.ok(
    (await count(CUSTOMER_CREATES_IN_FLIGHT)) > 0,
    'the kill left unsettled creates behind',
  );

  const { quiet } = await syncUntilQuiet(fx.env, 4, /duplicate key|already exists|0x80040237/i);
  assert.ok(quiet, 'the runs settle');
  await assertCoupledOnce(fx.db, N, 'Crash test customer');
  assert.equal(
    await count(
      "SELECT count(*)::int AS n FROM integration.sync_jobs WHERE mapping_name = 'CUSTOMER' AND status = 'running'",
    ),
    0,
    'the killed run is no longer shown as running',
  );
  assert.ok(
    (await count(
      "SELECT count(*)::int AS n FROM integration.sync_jobs WHERE mapping_name = 'CUSTOMER' AND status = 'abandoned'",
    )) >= 1,
    'the killed run is marked abandoned',
  );
});

test('concurrent CLI syncs of one mapping: no raw database error, no duplicate', async () => {
  await insertCustomers(fx.db, 500, { number: 'P', name: 'Parallel customer', city: 'Bodø' });
  const runs = await Promise.all([1, 2, 3].map(() => runKobling(['sync', 'CUSTOMER'], fx.env)));
  for (const r of runs) {
    assert.equal(r.code, 0, r.output);
    assert.doesNotMatch(r.output, /duplicate key|violates|error/i, r.output);
  }
  await assertOneAccountEach(fx.db, 500, 'Parallel customer');
});

test('a worker killed while it holds a mapping: the next run starts within a minute', async () => {
  await insertCustomers(fx.db, 3000, { number: 'Q', name: 'Worker kill customer', city: 'Tromsø' });
  const logger = createLogger('silent');
  const deps = { db: fx.db, config: testConfig({ KOBLING_SECRET_KEY: SECRET_KEY }), logger };
  const boss = await startJobQueue(fx.db, logger);
  const worker = spawnKobling(['worker'], fx.env);
  let second: ReturnType<typeof spawnKobling> | undefined;
  try {
    await worker.waitFor(/is running/, 60_000);
    await queueMappingRun(boss, 'CUSTOMER', 'test');
    const runningSql =
      "SELECT count(*)::int AS n FROM integration.sync_jobs WHERE mapping_name = 'CUSTOMER' AND status = 'running'";
    for (let waited = 0; (await count(runningSql)) === 0; waited += 50) {
      assert.ok(waited < 60_000, `the queued run never started:\n${worker.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    worker.child.kill('SIGKILL');
    await worker.exited();
    const killedAt = Date.now();
    second = spawnKobling(['worker'], fx.env);
    await second.waitFor(/is running/, 60_000);
    // What the scheduler (every minute) and POST /tableMappings/{name}/run do: free dead runs.
    const startedSince = async () =>
      count(
        "SELECT count(*)::int AS n FROM integration.sync_jobs WHERE mapping_name = 'CUSTOMER' AND started_at > to_timestamp($1 / 1000.0)",
        [killedAt],
      );
    while ((await startedSince()) === 0) {
      assert.ok(Date.now() - killedAt < 60_000, 'a new run started within a minute of the kill');
      await recoverDeadRuns(deps, boss, 'CUSTOMER');
      await new Promise((r) => setTimeout(r, 1000));
    }
    // The killed worker's pg-boss job does not stay 'active' for its hour of expiry.
    const deadActive = () =>
      count(
        "SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'sync.mapping' AND state = 'active' AND started_on < to_timestamp($1 / 1000.0)",
        [killedAt],
      );
    while ((await deadActive()) > 0) {
      assert.ok(Date.now() - killedAt < 60_000, 'the dead job was freed within a minute');
      await recoverDeadRuns(deps, boss, 'CUSTOMER');
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.ok(
      (await count(
        "SELECT count(*)::int AS n FROM integration.sync_jobs WHERE mapping_name = 'CUSTOMER' AND status = 'abandoned' AND started_at < to_timestamp($1 / 1000.0)",
        [killedAt],
      )) >= 1,
      'the killed run is marked abandoned',
    );
  } finally {
    if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await second?.stop();
    await boss.stop({ graceful: false, wait: true });
  }
});
