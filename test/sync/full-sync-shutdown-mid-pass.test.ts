import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stopJobQueue } from '../../src/db/job-queue.ts';
import { reviewLines, startFullSync } from '../../src/integration/full-sync/full-sync-service.ts';
import { markStopping } from '../../src/shared/stopping.ts';
import { type KoblingProcess, spawnKobling } from '../helpers/cli.ts';
import { settledLines, startFullSyncSetting } from '../helpers/full-sync.ts';
import { assertCoupledOnce, countWith, insertCustomers } from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';

// The server shut down in order while the CUSTOMER line's ERP → CRM pass is part-way: the pass is
// cut between two chunks and recorded as such — its job failed "Stopped by shutdown" with the
// counters of what it wrote, not succeeded — no pass begins after it, and the line goes back to
// `Queued` with those counters, saying so. A `kobling worker` started next continues it from its
// watermark: every customer created once. (full-sync-shutdown.test.ts: a stop between the passes.)

const N = 3000;
const SECRET = 'p'.repeat(40);
const NAME = 'Mid-pass customer';
const t = useFixture(() =>
  startFullSyncSetting({
    secretKey: SECRET,
    seed: async (fx) => {
      await insertCustomers(fx.db, N, { number: 'MP', name: NAME, city: 'Tromsø' });
    },
  }),
);
const count = (sql: string) => countWith(t.fx.db)(sql, []);
const line = async (mapping: string) =>
  (await reviewLines(t.deps)).find((l) => l.mapping === mapping)!;
const COUPLED =
  "SELECT count(*)::int AS n FROM integration.couplings WHERE mapping_name = 'CUSTOMER' AND state = 'coupled'";

test('a shutdown in the middle of the ERP → CRM pass: its job failed "Stopped by shutdown" with what it wrote, the line Queued with those counters; the next start continues it, every customer created once', async () => {
  const started = await startFullSync(t.deps, t.boss);
  assert.ok(started.ok, started.ok ? '' : started.error.message);
  const deadline = Date.now() + 120_000;
  while ((await line('CUSTOMER')).status !== 'Running') {
    assert.ok(Date.now() < deadline, 'the CUSTOMER line never ran');
    await new Promise((r) => setTimeout(r, 20));
  }
  // Slow CRM answers: the pass is part-way when the stop comes.
  t.fx.emulator.setFaults({ rate: 0, latencyMs: 1000 });
  let worker: KoblingProcess | undefined;
  try {
    while ((await count(COUPLED)) === 0) {
      assert.ok(Date.now() < deadline, 'the CUSTOMER line never wrote');
      await new Promise((r) => setTimeout(r, 20));
    }
    // Ctrl+C on `kobling start`, its wait for the running jobs cut to nothing.
    markStopping();
    await stopJobQueue(t.boss, t.deps.logger, { finishMs: 0, abortMs: 30_000 });
    t.fx.emulator.setFaults(undefined);

    const written = await count(COUPLED);
    assert.ok(written > 0 && written < N, `part-way: ${written} of ${N}`);
    const cut = await line('CUSTOMER');
    assert.equal(cut.status, 'Queued', cut.message ?? '');
    assert.match(
      cut.message ?? '',
      new RegExp(
        `^Interrupted by a shutdown on .+ UTC after ${written} records \\(${written} inserted\\); continues where it stopped when a worker runs again$`,
      ),
    );
    assert.equal(cut.counters.inserted, written, 'the line counts what was written');
    const jobs = await t.fx.db.query<{
      direction: string;
      status: string;
      message: string;
      inserted: number;
    }>(
      'SELECT direction, status, message, inserted FROM integration.sync_jobs WHERE id = ANY($1::uuid[]) ORDER BY started_at',
      [cut.jobIds],
    );
    const last = jobs.rows.at(-1)!;
    assert.deepEqual(
      { direction: last.direction, status: last.status, message: last.message },
      { direction: 'ToIntegrationTable', status: 'failed', message: 'Stopped by shutdown' },
      'the pass it cut is the line’s, recorded as cut',
    );
    assert.equal(last.inserted, written, 'with the counters of what it wrote');
    assert.ok(
      !jobs.rows.some((j) => j.direction === 'FromIntegrationTable'),
      'no CRM → ERP pass began after the stop',
    );

    // The next start continues it (its job handed out again by pg-boss).
    worker = spawnKobling(['worker'], { DATABASE_URL: t.fx.db.url, KOBLING_SECRET_KEY: SECRET });
    await worker.waitFor(/is running/, 60_000);
    await settledLines(t.deps, {
      timeoutMs: 150_000,
      pollMs: 500,
      describe: (lines) =>
        `${JSON.stringify(lines.map((l) => [l.mapping, l.status, l.message]))}\n${worker?.output()}`,
    });
  } finally {
    t.fx.emulator.setFaults(undefined);
    if (worker && worker.child.exitCode === null) await worker.stop();
  }
  const done = await line('CUSTOMER');
  assert.equal(done.status, 'Finished', done.message ?? '');
  assert.equal(done.attempts, 2);
  assert.equal(done.counters.inserted, N, 'each customer counted once over both runs');
  await assertCoupledOnce(t.fx.db, N, NAME);
});
