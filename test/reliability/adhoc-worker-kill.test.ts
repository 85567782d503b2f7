import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startJobQueue } from '../../src/db/job-queue.ts';
import { adhocJob, queueAdhoc } from '../../src/integration/adhoc-jobs.ts';
import { recoverDeadJobs } from '../../src/integration/job-liveness.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { type KoblingProcess, spawnKobling } from '../helpers/cli.ts';
import { testConfig } from '../helpers/server.ts';
import { CUSTOMER_CREATES_IN_FLIGHT, insertCustomers } from '../helpers/sync-data.ts';
import { type SyncFixture, startSyncFixture } from '../sync/sync-fixture.ts';

// Background work ("Create in Dynamics 365 Sales" with background: true) on a `kobling worker`
// killed with SIGKILL half-way: the dead job is found within a minute (not after pg-boss's hour of
// expiry), tried again on another worker, and every record ends coupled exactly once.
const SECRET_KEY = 'a'.repeat(40);
const N = 2000;
let fx: SyncFixture;
let env: Record<string, string>;

before(async () => {
  fx = await startSyncFixture();
  const config = testConfig({ KOBLING_SECRET_KEY: SECRET_KEY });
  await fx.connect(config);
  env = { DATABASE_URL: fx.db.url, KOBLING_SECRET_KEY: SECRET_KEY };
});
after(async () => {
  await fx?.close();
});

const count = async (sql: string, params: unknown[] = []) =>
  (await fx.db.query<{ n: number }>(sql, params)).rows[0]!.n;
const stateOf = async (id: string) =>
  (await fx.db.query<{ state: string }>('SELECT state FROM pgboss.job WHERE id = $1', [id])).rows[0]
    ?.state;

test('an ad-hoc job whose worker is killed: found dead within a minute, retried, every record coupled once', async () => {
  const ids = await insertCustomers(fx.db, N, {
    number: 'H',
    name: 'Adhoc kill customer',
    city: 'Lillehammer',
  });
  const logger = createLogger('silent');
  const deps = { db: fx.db, config: testConfig({ KOBLING_SECRET_KEY: SECRET_KEY }), logger };
  const boss = await startJobQueue(fx.db, logger);
  const worker = spawnKobling(['worker'], env);
  let second: KoblingProcess | undefined;
  try {
    await worker.waitFor(/is running/, 60_000);
    const jobId = await queueAdhoc(boss, {
      kind: 'createInCrm',
      mapping: 'CUSTOMER',
      erpIds: ids,
    });
    assert.ok(jobId);
    // Killed once creates are in flight (ids chosen and journaled, the `$batch` on its way).
    for (const deadline = Date.now() + 60_000; (await count(CUSTOMER_CREATES_IN_FLIGHT)) === 0; ) {
      assert.ok(Date.now() < deadline, `the job never got going:\n${worker.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    worker.child.kill('SIGKILL');
    await worker.exited();
    const killedAt = Date.now();
    assert.equal(await stateOf(jobId), 'active', 'pg-boss still believes the job runs');

    second = spawnKobling(['worker'], env);
    await second.waitFor(/is running/, 60_000);
    // What the scheduler does every minute, in a process that built the queues' definitions (the
    // ad-hoc queue's watches its jobs' sign of life).
    adhocJob(deps);
    while ((await stateOf(jobId)) === 'active') {
      assert.ok(Date.now() - killedAt < 60_000, 'the dead job was found within a minute');
      await recoverDeadJobs(deps, boss);
      await new Promise((r) => setTimeout(r, 1000));
    }
    // Tried again after the queue's retry delay (30 s), by the live worker.
    for (const deadline = Date.now() + 120_000; (await stateOf(jobId)) !== 'completed'; ) {
      assert.ok(
        Date.now() < deadline,
        `the retry did not complete (${await stateOf(jobId)}):\n${second.output()}`,
      );
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(
      await count(
        "SELECT count(*)::int AS n FROM integration.couplings WHERE mapping_name = 'CUSTOMER' AND state = 'coupled' AND NOT skipped",
      ),
      N,
      'every record coupled, none skipped',
    );
    const accounts = await fx.db.query<{ n: number; names: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT data->>'name')::int AS names FROM crm.records
       WHERE entity = 'account' AND data->>'name' LIKE 'Adhoc kill customer %'`,
    );
    assert.deepEqual(accounts.rows[0], { n: N, names: N }, 'one CRM account per customer');
    assert.doesNotMatch(second.output(), /duplicate key|violates/i, second.output());
  } finally {
    if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await second?.stop();
    await boss.stop({ graceful: false, wait: true });
  }
});
