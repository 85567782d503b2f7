import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createQueues } from '../../src/db/job-queue.ts';
import { fullSyncJob, runFullSyncLine } from '../../src/integration/full-sync/full-sync-job.ts';
import {
  holdReason,
  MOVED_LINE_MESSAGE,
  transition,
} from '../../src/integration/full-sync/full-sync-lines.ts';
import {
  restartLine,
  reviewLines,
  startFullSync,
} from '../../src/integration/full-sync/full-sync-service.ts';
import { utc } from '../../src/integration/full-sync/line-status.ts';
import { stopLine } from '../../src/integration/full-sync/stop-line.ts';
import { integrationStatus } from '../../src/integration/status/mapping-status.ts';
import { runMappingJob } from '../../src/integration/sync-jobs.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { runKobling, spawnKobling } from '../helpers/cli.ts';
import { settingServerWithUser, startFullSyncSetting } from '../helpers/full-sync.ts';
import { insertCustomers } from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';

// Stopping a full synchronization line: a running one between chunks (what it wrote stays,
// coupled once), a queued or pending one at once; its children wait; a restart continues it.
// Lines are run here by hand (no workers), so that the CRM can be slowed at a known moment.

const N = 3000;
const SECRET = 's'.repeat(40);
const t = useFixture(() =>
  startFullSyncSetting({
    secretKey: SECRET,
    workers: false,
    seed: async (fx) => {
      await insertCustomers(fx.db, N, { number: 'ST', name: 'Stop customer', city: 'Oslo' });
    },
  }),
);

const line = async (mapping: string) =>
  (await reviewLines(t.deps)).find((l) => l.mapping === mapping)!;
const count = async (sql: string) => Number((await t.fx.db.query<{ n: string }>(sql)).rows[0]!.n);
const accounts = () =>
  count(
    "SELECT count(*) AS n FROM crm.records WHERE entity = 'account' AND data->>'name' LIKE 'Stop customer %'",
  );
const distinctAccounts = () =>
  count(
    "SELECT count(DISTINCT data->>'name') AS n FROM crm.records WHERE entity = 'account' AND data->>'name' LIKE 'Stop customer %'",
  );
const waitFor = async (what: string, check: () => Promise<boolean>) => {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
/** Runs the queued lines (as the workers would) until `mapping` is queued. */
const runParentsOf = async (mapping: string) => {
  for (let i = 0; i < 50 && (await line(mapping)).status !== 'Queued'; i++)
    for (const l of await reviewLines(t.deps))
      if (l.status === 'Queued' && l.mapping !== mapping)
        await runFullSyncLine(t.deps, t.boss, l.mapping);
  assert.equal(
    (await line(mapping)).status,
    'Queued',
    JSON.stringify(
      (await reviewLines(t.deps)).map((l) => [l.mapping, l.status, l.waitingFor, l.message]),
    ),
  );
};

test('a running line stopped ends Stopped between chunks, what it wrote coupled once; its child waits; the regular job is free; a restart continues it and every record is coupled exactly once', async () => {
  // No worker takes them, yet the lines are queued (as `kobling sync full` creates the queues).
  await createQueues(t.boss, [fullSyncJob(t.deps, t.boss)]);
  assert.ok((await startFullSync(t.deps, t.boss)).ok);
  await runParentsOf('CUSTOMER');
  // Slowed, so that it is still writing when the stop comes; the stop looked for often.
  t.fx.emulator.setFaults({ rate: 0, latencyMs: 300 });
  const running = runFullSyncLine({ ...t.deps, stopPollMs: 20 }, t.boss, 'CUSTOMER');
  try {
    await waitFor('the first accounts', async () => (await accounts()) > 0);
    const stop = await stopLine(t.deps, 'customer', 'tester');
    assert.ok(stop.ok, stop.ok ? '' : stop.error.message);
    assert.equal(stop.value.stopped, false, 'its worker stops it');
    assert.match(
      stop.value.message,
      /^Stopping the full synchronization of CUSTOMER: it stops once the records it is writing now are written \(\d+ records? done so far\); its dependent line CONTACT waits until it is restarted and done\. Restart continues it where it stopped\.$/,
    );
    const again = await stopLine(t.deps, 'CUSTOMER', 'someone else');
    assert.ok(!again.ok);
    assert.equal(again.error.code, 'line_not_stoppable');
    assert.match(again.error.message, /is stopping already \(asked by tester on .+ UTC\)/);
  } finally {
    t.fx.emulator.setFaults(undefined);
  }
  await running;

  const stopped = await line('CUSTOMER');
  assert.equal(stopped.status, 'Stopped', stopped.message ?? '');
  assert.match(
    stopped.message ?? '',
    /^Stopped by tester on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC after \d+ (of \d+ )?records \(\d+ inserted.*\); Restart continues where it stopped$/,
  );
  const written = await accounts();
  assert.ok(written > 0 && written < N, `${written} accounts when it stopped`);
  assert.equal(await distinctAccounts(), written, 'none created twice');
  assert.equal(
    await count(
      "SELECT count(*) AS n FROM integration.couplings WHERE mapping_name = 'CUSTOMER' AND state = 'coupled'",
    ),
    written,
    'every account it created is coupled: what was sent was booked',
  );
  assert.equal(stopped.counters.inserted, written, 'its counters say how far it got');
  const jobs = await t.fx.db.query<{ message: string }>(
    'SELECT message FROM integration.sync_jobs WHERE id = ANY($1::uuid[]) AND status = $2',
    [stopped.jobIds, 'failed'],
  );
  assert.deepEqual(
    jobs.rows.map((j) => j.message),
    ['Stopped by tester'],
    'the pass it ended says who',
  );

  // `kobling status` says so, with the command that continues it.
  assert.ok(
    (await integrationStatus(t.fx.db, systemClock)).warnings.some((w) =>
      /^CUSTOMER: its full synchronization was stopped by tester on .+ UTC after \d+ .*records.* \(kobling sync full --restart CUSTOMER continues it\)$/.test(
        w,
      ),
    ),
    'status warns about the stopped line',
  );

  // Its child waits with the reason; the mapping's regular job is not held by it any more.
  assert.deepEqual((await line('CONTACT')).waitingFor, [
    'CUSTOMER, which was stopped (restart it to continue)',
  ]);
  assert.equal(await holdReason(t.fx.db, 'CUSTOMER'), undefined);
  const regular = await runMappingJob(t.deps, { mapping: 'CUSTOMER', trigger: 'realtime' });
  assert.equal(regular.ran, true, 'the regular job runs');
  assert.equal(await accounts(), written, 'it synchronizes coupled records only: nothing created');
  const stopAgain = await stopLine(t.deps, 'CUSTOMER', 'tester');
  assert.ok(!stopAgain.ok);
  assert.equal(stopAgain.error.code, 'line_not_stoppable');
  assert.match(stopAgain.error.message, /is stopped already .*; Restart continues it$/);

  // Restarted, it continues from where it stopped (the regular run moved the watermark past the
  // customers not created yet: put back), as it began, counting on.
  const restarted = await restartLine(t.deps, t.boss, 'CUSTOMER');
  assert.ok(restarted.ok, restarted.ok ? '' : restarted.error.message);
  const queued = await line('CUSTOMER');
  assert.equal(queued.status, 'Queued');
  assert.equal(queued.recommendation, 'FullSynchronization', 'the recommendation it began with');
  assert.equal(queued.counters.inserted, written, 'its progress kept');
  await runFullSyncLine(t.deps, t.boss, 'CUSTOMER');
  const done = await line('CUSTOMER');
  assert.equal(done.status, 'Finished', done.message ?? '');
  assert.equal(done.counters.inserted, N, 'both runs counted, each record once');
  assert.equal(await accounts(), N, 'every customer in the CRM');
  assert.equal(await distinctAccounts(), N, 'none twice');
  const couplings = await t.fx.db.query<{ n: number; crm: number }>(
    `SELECT count(*) AS n, count(DISTINCT crm_id) AS crm FROM integration.couplings
      WHERE mapping_name = 'CUSTOMER' AND state = 'coupled'`,
  );
  assert.deepEqual(couplings.rows[0], { n: N, crm: N });
  assert.equal((await line('CONTACT')).waitingFor.length, 0, 'its child goes on once it is done');
});

test('the API stops a queued or pending line at once; 404 for a mapping without a line, 409 for a line not stoppable; a restart starts it again', async () => {
  const { app, token } = await settingServerWithUser(t, 'stopper', 'admin');
  const post = (path: string) =>
    app.inject({
      method: 'POST',
      url: `/api/integration/v1/fullSync/lines/${path}`,
      headers: { authorization: `Bearer ${token}` },
    });
  try {
    const restart = await post('CUSTOMER/restart');
    assert.equal(restart.statusCode, 202, restart.body);
    assert.equal((await line('CUSTOMER')).status, 'Queued', 'no worker takes it here');
    const res = await post('CUSTOMER/stop');
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.stopped, true);
    assert.equal(body.line.status, 'Stopped');
    assert.match(
      body.line.message,
      /^Stopped by stopper on .+ UTC before it synchronized any record; Restart continues where it stopped$/,
    );
    assert.match(body.message, /^Stopped the full synchronization of CUSTOMER\. Restart continues/);
    assert.equal(await holdReason(t.fx.db, 'CUSTOMER'), undefined, 'its regular job is free');

    const twice = await post('CUSTOMER/stop');
    assert.equal(twice.statusCode, 409, twice.body);
    assert.equal(twice.json().error.code, 'line_not_stoppable');
    const finished = await post('SALESPEOPLE/stop');
    assert.equal(finished.statusCode, 409, finished.body);
    assert.deepEqual(finished.json().error, {
      code: 'line_not_stoppable',
      message:
        'The full synchronization of SALESPEOPLE is finished: only a pending, queued or running line can be stopped',
    });
    const unknown = await post('NOSUCHMAPPING/stop');
    assert.equal(unknown.statusCode, 404, unknown.body);
    assert.equal(unknown.json().error.code, 'not_found');

    // A child restarted waits for its stopped parent, saying so; pending, it stops at once too.
    assert.equal((await post('CONTACT/restart')).statusCode, 202);
    const contact = await line('CONTACT');
    assert.equal(contact.status, 'Pending');
    assert.deepEqual(contact.waitingFor, ['CUSTOMER, which was stopped (restart it to continue)']);
    const pending = await post('CONTACT/stop');
    assert.equal(pending.statusCode, 200, pending.body);
    assert.equal(pending.json().line.status, 'Stopped');

    // Not run since a move to another organization, it holds its mapping's regular job by its
    // message: not stopped, which would let that job run before matching.
    await t.fx.db.query(
      "UPDATE integration.full_sync_lines SET status = 'Pending', message = $1 WHERE mapping_name = 'CONTACT'",
      [MOVED_LINE_MESSAGE],
    );
    const moved = await post('CONTACT/stop');
    assert.equal(moved.statusCode, 409, moved.body);
    assert.match(moved.json().error.message, /has not run since the connection moved/);
    assert.equal((await line('CONTACT')).status, 'Pending');
  } finally {
    await app.close();
  }
});

test('`kobling sync full --stop MAPPING` stops a line running in another process and says how far it got; usage errors exit 2', async () => {
  const env = { DATABASE_URL: t.fx.db.url, KOBLING_SECRET_KEY: SECRET, USER: 'alice' };
  const usage = await runKobling(['sync', 'CUSTOMER', '--stop', 'CUSTOMER'], env);
  assert.equal(usage.code, 2, usage.output);
  assert.match(usage.output, /--stop stops a line of the full synchronization/);
  const both = await runKobling(
    ['sync', 'full', '--stop', 'CUSTOMER', '--restart', 'CUSTOMER'],
    env,
  );
  assert.equal(both.code, 2, both.output);

  const restarted = await restartLine(t.deps, t.boss, 'CUSTOMER');
  assert.ok(restarted.ok, restarted.ok ? '' : restarted.error.message);
  assert.equal((await line('CUSTOMER')).status, 'Queued');
  // Slowed, so that it runs while the command starts (3,000 records read again, unchanged).
  t.fx.emulator.setFaults({ rate: 0, latencyMs: 2000 });
  let running: Promise<void> | undefined;
  try {
    running = runFullSyncLine({ ...t.deps, stopPollMs: 20 }, t.boss, 'CUSTOMER');
    await waitFor('the line to run', async () => (await line('CUSTOMER')).status === 'Running');
    // Slow to its end: a line that finished first would not be stopped.
    const out = await runKobling(['sync', 'full', '--stop', 'customer'], env);
    assert.equal(out.code, 0, out.output);
    assert.match(out.output, /Stopping the full synchronization of CUSTOMER: it stops once/);
    assert.match(out.stdout, /^CUSTOMER Stopped: Stopped by cli:alice on .+ UTC (after|before)/m);
  } finally {
    t.fx.emulator.setFaults(undefined);
    await running;
  }
  assert.equal((await line('CUSTOMER')).status, 'Stopped');

  // Stopped already: nothing to stop, said as the answer it is (the API's 409 is a refusal).
  const again = await runKobling(['sync', 'full', '--stop', 'CUSTOMER'], env);
  assert.equal(again.code, 0, again.output);
  assert.match(
    again.stdout,
    /^CUSTOMER had already been stopped \(Stopped by cli:alice on .+ UTC .+\): nothing to stop\n$/,
  );
  assert.doesNotMatch(again.output, /error \[/);
});

test('`kobling sync full --stop` meeting a line that finishes before its worker stops it: nothing to stop, exit 0, not an error; Ctrl+C while it waits stops the waiting, not the stop', async () => {
  const env = { DATABASE_URL: t.fx.db.url, KOBLING_SECRET_KEY: SECRET, USER: 'alice' };
  const restarted = await restartLine(t.deps, t.boss, 'CUSTOMER');
  assert.ok(restarted.ok, restarted.ok ? '' : restarted.error.message);
  // As a worker that took it: running, here with no worker to look for the stop.
  assert.ok(await transition(t.fx.db, 'CUSTOMER', 'Running'));
  const cli = spawnKobling(['sync', 'full', '--stop', 'CUSTOMER'], env);
  let stdout = '';
  cli.child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  await cli.waitFor(/Stopping the full synchronization of CUSTOMER/);
  // Its worker writes its last chunk and ends it before it looks for the stop.
  assert.ok(await transition(t.fx.db, 'CUSTOMER', 'Finished', `${N} unchanged`));
  const code = await cli.exited();
  assert.equal(code, 0, cli.output());
  const finishedAt = (await line('CUSTOMER')).finishedAt!;
  assert.equal(
    stdout,
    `CUSTOMER had already finished (Finished at ${utc(finishedAt)}): nothing to stop\n`,
  );
  assert.doesNotMatch(cli.output(), /error \[|line_not_stoppable/);

  // Asked again once it has finished: the same answer (the API refuses it with 409).
  const after = await runKobling(['sync', 'full', '--stop', 'customer', '--json'], env);
  assert.equal(after.code, 0, after.output);
  const answered = JSON.parse(after.stdout);
  assert.equal(answered.status, 'Finished', 'stdout is the line alone');
  // The line as the API's stop answers it (`line`): what it waits for and its expected total too.
  assert.deepEqual(answered.waitingFor, []);
  assert.equal(answered.expectedTotal, answered.done);
  assert.match(
    after.output,
    /CUSTOMER had already finished \(Finished at .+ UTC\): nothing to stop/,
  );

  // Ctrl+C while it waits for the worker stops the waiting, not the stop: the line still stops.
  assert.ok((await restartLine(t.deps, t.boss, 'CUSTOMER')).ok);
  assert.ok(await transition(t.fx.db, 'CUSTOMER', 'Running'));
  const waiting = spawnKobling(['sync', 'full', '--stop', 'CUSTOMER'], env);
  await waiting.waitFor(/Stopping the full synchronization of CUSTOMER/);
  waiting.child.kill('SIGINT');
  assert.equal(await waiting.exited(), 130, waiting.output());
  assert.ok(
    waiting
      .output()
      .trimEnd()
      .endsWith(
        'Stopped waiting; CUSTOMER still stops once its worker has written the records it is writing now: `kobling sync full --review` shows it',
      ),
    waiting.output(),
  );
  const asked = await line('CUSTOMER');
  assert.equal(asked.status, 'Running');
  assert.equal(asked.stopRequestedBy, 'cli:alice', 'the stop stays asked');
  assert.ok(await transition(t.fx.db, 'CUSTOMER', 'Stopped', 'Stopped by cli:alice'));
});

test('a line waiting to run a stopped pass again stops at once, not after its wait', async () => {
  await insertCustomers(t.fx.db, 600, { number: 'SW', name: 'Stop wait customer', city: 'Oslo' });
  const restarted = await restartLine(t.deps, t.boss, 'CUSTOMER');
  assert.ok(restarted.ok, restarted.ok ? '' : restarted.error.message);
  const waiting = async () =>
    Number(
      (
        await t.fx.db.query<{ n: string }>(
          "SELECT count(*) AS n FROM crm.records WHERE entity = 'account' AND data->>'name' LIKE 'Stop wait customer %'",
        )
      ).rows[0]!.n,
    );
  t.fx.emulator.setFaults({ rate: 0, latencyMs: 200 });
  const deps = { ...t.deps, passRetryDelaysMs: [60_000, 60_000], stopPollMs: 20 };
  const running = runFullSyncLine(deps, t.boss, 'CUSTOMER');
  try {
    await waitFor('the first new accounts', async () => (await waiting()) > 0);
    // The CRM answers nothing but errors: the pass stops, and the line waits a minute to run it again.
    t.fx.emulator.setFaults({ rate: 1, statuses: [500] });
    await waitFor('the line to wait', async () =>
      /Running again at \d\d:\d\d:\d\d UTC \(1 of 2\)\.$/.test(
        (await line('CUSTOMER')).message ?? '',
      ),
    );
    const asked = Date.now();
    const stop = await stopLine(t.deps, 'CUSTOMER', 'tester');
    assert.ok(stop.ok, stop.ok ? '' : stop.error.message);
    await running;
    assert.ok(Date.now() - asked < 10_000, `stopped after ${Date.now() - asked} ms`);
  } finally {
    t.fx.emulator.setFaults(undefined);
    await running.catch(() => undefined);
  }
  const stopped = await line('CUSTOMER');
  assert.equal(stopped.status, 'Stopped', stopped.message ?? '');
  assert.match(stopped.message ?? '', /^Stopped by tester on .+ UTC after \d+ /);
});
