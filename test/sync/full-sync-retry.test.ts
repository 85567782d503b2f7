import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runFullSyncLine } from '../../src/integration/full-sync/full-sync-job.ts';
import { transition } from '../../src/integration/full-sync/full-sync-lines.ts';
import { reviewLines, startFullSync } from '../../src/integration/full-sync/full-sync-service.ts';
import { startFullSyncSetting } from '../helpers/full-sync.ts';
import { insertCustomers } from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';

// A line whose pass stops as a whole (the CRM answering nothing but errors) waits and runs again
// before it is failed; what each run wrote counts in the line. Run here by hand (no workers), so
// that the CRM can fail at a known moment.

const N = 2500;
const t = useFixture(() =>
  startFullSyncSetting({
    secretKey: 'r'.repeat(40),
    workers: false,
    passRetryDelaysMs: [800, 800],
    seed: async (fx) => {
      await insertCustomers(fx.db, N, { number: 'RT', name: 'Retry customer', city: 'Bergen' });
    },
  }),
);

const line = async (mapping: string) =>
  (await reviewLines(t.deps)).find((l) => l.mapping === mapping)!;
const accounts = async () =>
  Number(
    (
      await t.fx.db.query<{ n: string }>(
        "SELECT count(*) AS n FROM crm.records WHERE entity = 'account' AND data->>'name' LIKE 'Retry customer %'",
      )
    ).rows[0]!.n,
  );
const waitFor = async (what: string, check: () => Promise<boolean>) => {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
/** Hands a line to "the worker" (this test) as if its parents had finished. */
const queue = async (mapping: string) => {
  await t.fx.db.query(
    "UPDATE integration.full_sync_lines SET status = 'Queued' WHERE mapping_name = $1",
    [mapping],
  );
};

test('a pass that stops mid-line waits, says when it runs again, runs again from where it stopped, and the line counts what both runs wrote', async () => {
  assert.ok((await startFullSync(t.deps, t.boss)).ok);
  await queue('CUSTOMER');
  const running = runFullSyncLine(t.deps, t.boss, 'CUSTOMER');
  // The first chunks land, then the CRM answers every request with an error.
  await waitFor('the first accounts', async () => (await accounts()) > 0);
  t.fx.emulator.setFaults({ rate: 1, statuses: [500] });
  await waitFor('the line to wait', async () =>
    /stopped: .*Running again at \d\d:\d\d:\d\d UTC \(1 of 2\)\.$/.test(
      (await line('CUSTOMER')).message ?? '',
    ),
  );
  const written = await accounts();
  assert.ok(written > 0 && written < N, `${written} accounts before the stop`);
  assert.equal((await line('CUSTOMER')).status, 'Running', 'still running while it waits');
  t.fx.emulator.setFaults(undefined);
  await running;

  const done = await line('CUSTOMER');
  assert.equal(done.status, 'Finished', done.message ?? '');
  assert.equal(done.counters.inserted, N, 'both runs: the first one’s creates are not lost');
  assert.equal(done.counters.failed, 0, 'the records the first run failed, the second wrote');
  assert.equal(done.jobIds.length, 6, 'two runs, each matching first, then both passes');
  assert.equal(await accounts(), N, 'every customer once in the CRM');
  const couplings = await t.fx.db.query<{ n: number; distinct_crm: number }>(
    `SELECT count(*) AS n, count(DISTINCT crm_id) AS distinct_crm FROM integration.couplings
      WHERE mapping_name = 'CUSTOMER' AND state = 'coupled'`,
  );
  assert.deepEqual(couplings.rows[0], { n: N, distinct_crm: N });
});

test('a pass that keeps stopping fails the line after the runs again, saying how often it ran; a line taken again loses the message of its hand-back', async () => {
  await t.fx.db.query(
    "UPDATE integration.full_sync_lines SET status = 'Pending' WHERE mapping_name = 'CONTACT'",
  );
  await queue('CONTACT');
  t.fx.emulator.setFaults({ rate: 1, statuses: [500] });
  try {
    await runFullSyncLine(t.deps, t.boss, 'CONTACT');
  } finally {
    t.fx.emulator.setFaults(undefined);
  }
  const failed = await line('CONTACT');
  assert.equal(failed.status, 'Failed');
  assert.match(failed.message ?? '', /^(To|From)IntegrationTable: .+ \(run 3 times\)$/);
  assert.equal(failed.jobIds.length, 6, 'three runs of both passes');

  // Handed back by a stop, then taken again: "Stopped by shutdown" is no longer true.
  await t.fx.db.query(
    "UPDATE integration.full_sync_lines SET status = 'Running' WHERE mapping_name = 'CONTACT'",
  );
  await transition(
    t.fx.db,
    'CONTACT',
    'Queued',
    'Stopped by shutdown; continues when a worker takes it again',
  );
  assert.match((await line('CONTACT')).message ?? '', /^Stopped by shutdown/);
  await transition(t.fx.db, 'CONTACT', 'Running');
  assert.equal((await line('CONTACT')).message, null);
});
