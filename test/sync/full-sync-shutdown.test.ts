import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stopJobQueue } from '../../src/db/job-queue.ts';
import { reviewLines, startFullSync } from '../../src/integration/full-sync/full-sync-service.ts';
import { markStopping } from '../../src/shared/stopping.ts';
import { type KoblingProcess, runKobling, spawnKobling } from '../helpers/cli.ts';
import { settingServerWithUser, settledLines, startFullSyncSetting } from '../helpers/full-sync.ts';
import {
  assertOneAccountEach,
  CUSTOMER_CREATES_IN_FLIGHT,
  countWith,
  insertCustomers,
} from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';

// The server shut down in order (Ctrl+C, SIGTERM) while the CUSTOMER line runs on its workers:
// the line is not ended as if it had succeeded. The stop comes as the ERP → CRM pass's last
// creates are answered, so the pass ends on its own and the CRM → ERP pass would begin after the
// stop (it was recorded `succeeded`, "nothing to do", and the line `Finished`). The line goes back
// to `Queued` with what it did, saying so, and the next start continues it: each customer once.
// The workers run in this process (as `kobling start` runs them), stopped by the same orderly stop
// as the server's, so the moment is known; the next start is a `kobling worker` process.

const N = 3000;
const SECRET = 'h'.repeat(40);
const NAME = 'Shutdown customer';
const t = useFixture(() =>
  startFullSyncSetting({
    secretKey: SECRET,
    seed: async (fx) => {
      await insertCustomers(fx.db, N, { number: 'SD', name: NAME, city: 'Bodø' });
    },
  }),
);
const count = (sql: string) => countWith(t.fx.db)(sql, []);
const line = async (mapping: string) =>
  (await reviewLines(t.deps)).find((l) => l.mapping === mapping)!;
const accounts = () =>
  count(
    `SELECT count(*)::int AS n FROM crm.records WHERE entity = 'account' AND data->>'name' LIKE '${NAME} %'`,
  );
const waitFor = async (what: string, check: () => Promise<boolean>, ms = 120_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const jobsOf = async (ids: readonly string[]) =>
  (
    await t.fx.db.query<{ direction: string; status: string; message: string }>(
      'SELECT direction, status, message FROM integration.sync_jobs WHERE id = ANY($1::uuid[]) ORDER BY started_at',
      [ids],
    )
  ).rows;

test('a shutdown as the ERP → CRM pass ends: the line is not Finished, it goes back to Queued with its real counters and says so; the next start continues it and every customer is created once', async () => {
  const env = { DATABASE_URL: t.fx.db.url, KOBLING_SECRET_KEY: SECRET };
  const started = await startFullSync(t.deps, t.boss);
  assert.ok(started.ok, started.ok ? '' : started.error.message);
  await waitFor(
    'the CUSTOMER line to run',
    async () => (await line('CUSTOMER')).status === 'Running',
  );
  // Slow CRM answers: the last creates stay on their way long enough to stop the workers then.
  t.fx.emulator.setFaults({ rate: 0, latencyMs: 1500 });
  let worker: KoblingProcess | undefined;
  try {
    // Every customer planned and its create sent, the last ones not answered yet: the ERP → CRM
    // pass has nothing left but to wait for them, then the CRM → ERP pass would begin.
    await waitFor('the last creates on their way', async () => {
      const inFlight = await count(CUSTOMER_CREATES_IN_FLIGHT);
      const coupled = await count(
        "SELECT count(*)::int AS n FROM integration.couplings WHERE mapping_name = 'CUSTOMER' AND state = 'coupled'",
      );
      return inFlight > 0 && coupled + inFlight === N;
    });
    // What Ctrl+C on `kobling start` does (src/cli/shutdown.ts, stopJobQueue), its wait for the
    // running jobs cut to nothing: the line's signal is aborted now.
    markStopping();
    await stopJobQueue(t.boss, t.deps.logger, { finishMs: 0, abortMs: 30_000 });
    t.fx.emulator.setFaults(undefined);

    const after = await line('CUSTOMER');
    assert.equal(after.status, 'Queued', `not ended as if it had succeeded: ${after.message}`);
    const written = await accounts();
    assert.equal(written, N, 'the creates on their way were answered and booked');
    assert.match(
      after.message ?? '',
      /^Interrupted by a shutdown on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC after 3000 (of 3000 )?records \(3000 inserted\); continues where it stopped when a worker runs again$/,
    );
    assert.equal(after.counters.inserted, written, 'its counters are what it wrote');
    assert.equal(after.done, N);
    const jobs = await jobsOf(after.jobIds);
    assert.ok(
      !jobs.some((j) => j.direction === 'FromIntegrationTable' && j.status === 'succeeded'),
      `no CRM → ERP pass recorded as done: ${JSON.stringify(jobs)}`,
    );
    assert.ok(
      jobs.some((j) => j.direction === 'ToIntegrationTable' && j.message === '3000 inserted'),
      `the interrupted run's jobs are the line's: ${JSON.stringify(jobs)}`,
    );
    const contact = await line('CONTACT');
    assert.equal(contact.status, 'Pending', 'its child did not start after it');

    // The API and the CLI say what state it is in.
    const { app, token } = await settingServerWithUser(t, 'watcher', 'readOnly');
    try {
      const res = await app.inject({
        url: '/api/integration/v1/fullSync',
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.statusCode, 200, res.body);
      const api = (res.json().value as { mapping: string; status: string; message: string }[]).find(
        (l) => l.mapping === 'CUSTOMER',
      )!;
      assert.equal(api.status, 'Queued');
      assert.match(api.message, /^Interrupted by a shutdown on /);
    } finally {
      await app.close();
    }
    const review = await runKobling(['sync', 'full', '--review'], env);
    assert.equal(review.code, 0, review.output);
    assert.match(
      review.output,
      /^CUSTOMER\s+Queued\s+\[[#.]+\] waiting for a worker · Interrupted by a shutdown on .+ UTC after 3000 (of 3000 )?records/m,
    );

    // The next start: a worker takes the line again (its job is handed out again) and continues.
    worker = spawnKobling(['worker'], env);
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
  assert.equal(done.attempts, 2, 'run once more');
  assert.equal(done.counters.inserted, N, 'each customer counted once over both runs');
  assert.equal(done.message, `${N} inserted`);
  const last = await jobsOf(done.jobIds);
  assert.ok(
    last.some((j) => j.direction === 'FromIntegrationTable' && j.status === 'succeeded'),
    `its CRM → ERP pass ran on the next start: ${JSON.stringify(last)}`,
  );
  await assertOneAccountEach(t.fx.db, N, NAME);
  assert.equal(
    await count(
      "SELECT count(*)::int AS n FROM integration.couplings WHERE mapping_name = 'CUSTOMER' AND state = 'coupled'",
    ),
    N,
  );
  assert.equal(
    await count(`SELECT count(*)::int AS n FROM erp.customers WHERE display_name LIKE '${NAME} %'`),
    N,
    'no customer created back from its own account',
  );
});
