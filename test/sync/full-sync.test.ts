import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  expectedTotal,
  lineProgress,
  transition,
} from '../../src/integration/full-sync/full-sync-lines.ts';
import {
  advance,
  restartLine,
  reviewLines,
  startFullSync,
} from '../../src/integration/full-sync/full-sync-service.ts';
import { integrationStatus } from '../../src/integration/status/mapping-status.ts';
import { runMappingJob, scheduleDueMappings } from '../../src/integration/sync-jobs.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { hasControl, spawnKobling } from '../helpers/cli.ts';
import { settledLines, startFullSyncSetting } from '../helpers/full-sync.ts';
import { insertCustomers } from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';

const N = 300;
const t = useFixture(() =>
  startFullSyncSetting({
    secretKey: 'f'.repeat(40),
    seed: async (fx) => {
      await insertCustomers(fx.db, N, { number: 'F', name: 'Full sync customer', city: 'Oslo' });
    },
  }),
);

test('full synchronization: recommendations, every line in dependency order, records copied once', async () => {
  // The scheduler ticks (`advance`) while *Start* counts and writes the lines: the lines it starts
  // are still its own, and it says so.
  let starting = true;
  const ticks = (async () => {
    while (starting) {
      await advance(t.deps, t.boss);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const started = await startFullSync(t.deps, t.boss).finally(() => {
    starting = false;
  });
  await ticks;
  assert.ok(started.ok, started.ok ? '' : started.error.message);
  assert.match(started.value.message, /^Full synchronization started: \d+ lines? queued/);
  assert.ok(started.value.queued.includes('SALESPEOPLE'), started.value.message);
  const first = new Map(started.value.lines.map((l) => [l.mapping, l]));
  assert.equal(first.get('CUSTOMER')?.recommendation, 'FullSynchronization', 'ERP only: copy');
  assert.equal(first.get('CONTACT')?.recommendation, 'NoRecords', 'empty on both sides');
  assert.ok(!first.has('POSTEDSALESLINE-INV'), 'document lines are not lines of their own');
  assert.ok(started.value.queued.length > 0);
  assert.ok(!started.value.queued.includes('CUSTOMER'), 'CUSTOMER waits for its parents');
  assert.ok(first.get('CUSTOMER')!.waitingFor.length > 0);

  const lines = await settledLines(t.deps);
  const byName = new Map(lines.map((l) => [l.mapping, l]));
  for (const l of lines) {
    if (!l.startedAt) continue;
    for (const parent of l.dependencyFilter
      .split('|')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const p = byName.get(parent);
      if (!p?.finishedAt) continue;
      assert.ok(
        new Date(l.startedAt) >= new Date(p.finishedAt),
        `${l.mapping} started before its parent ${parent} finished`,
      );
    }
  }
  const customer = byName.get('CUSTOMER')!;
  assert.equal(customer.status, 'Finished', customer.message ?? '');
  assert.equal(customer.counters.inserted, N);
  assert.equal(byName.get('CONTACT')?.status, 'NotNeeded');
  const accounts = await t.fx.client.collectAll<{ name: string }>('accounts', {
    select: ['name'],
    filter: "startswith(name,'Full sync customer')",
  });
  assert.ok(accounts.ok);
  assert.equal(accounts.value.length, N);
  const w = await t.fx.db.query<{ erp_watermark: string | null }>(
    "SELECT erp_watermark FROM integration.table_mappings WHERE name = 'CUSTOMER'",
  );
  assert.ok(
    w.rows[0]?.erp_watermark !== null,
    'the watermark advanced to the end of the full sync',
  );
});

test('the review tells the truth: option lines count options, a finished line its handled records; a start with nothing to start says so; restart recounts; a mapping back gets its line', async () => {
  const lines = new Map((await reviewLines(t.deps)).map((l) => [l.mapping, l]));
  const terms = await t.fx.ctx.crm.optionSet('account', 'paymenttermscode');
  assert.ok(terms.ok);
  assert.equal(
    lines.get('PAYMENT TERMS')?.crmCount,
    terms.value.length,
    "an option mapping's CRM side is its options, not the accounts",
  );
  for (const l of lines.values()) {
    if (l.status !== 'Finished') continue;
    const handled = Object.values(l.counters).reduce((n, c) => n + c, 0);
    assert.equal(l.done, handled, `${l.mapping}: records shown = what its counters add up to`);
  }

  const again = await startFullSync(t.deps, t.boss);
  assert.ok(again.ok);
  assert.deepEqual(again.value.queued, []);
  assert.match(again.value.message, /^Nothing to start: every line has finished/);

  const before = again.value.lines.find((l) => l.mapping === 'CUSTOMER')!.crmCount!;
  assert.equal(before, N, 'a start counts finished lines again too: the CRM has the accounts now');
  // A customer account: CUSTOMER's CRM filter counts those only (`customertypecode` 3).
  const created = await t.fx.client.create('accounts', {
    name: 'Counted on restart',
    customertypecode: 3,
  });
  assert.ok(created.ok);
  // A restart whose count fails (the CRM unreachable) restarts nothing: the line stays finished,
  // so no scheduler tick starts it behind the user's back.
  const url = await t.fx.db.query<{ crm_url: string }>(
    'SELECT crm_url FROM integration.connection',
  );
  await t.fx.db.query("UPDATE integration.connection SET crm_url = 'http://127.0.0.1:9/'");
  try {
    const refused = await restartLine(t.deps, t.boss, 'CUSTOMER');
    assert.ok(!refused.ok);
    assert.match(refused.error.message, /^Nothing restarted: /);
  } finally {
    await t.fx.db.query('UPDATE integration.connection SET crm_url = $1', [url.rows[0]!.crm_url]);
  }
  await advance(t.deps, t.boss);
  assert.equal(
    (await reviewLines(t.deps)).find((l) => l.mapping === 'CUSTOMER')?.status,
    'Finished',
  );
  const restarted = await restartLine(t.deps, t.boss, 'CUSTOMER');
  assert.ok(restarted.ok, restarted.ok ? '' : restarted.error.message);
  assert.equal(restarted.value.line.crmCount, before + 1, 'restart counts both sides again');
  await settledLines(t.deps);

  // A mapping dropped and added back (the ownership model switched away and back) loses its line
  // with it; the review shows it again without a new *Start*.
  await t.fx.db.query("DELETE FROM integration.full_sync_lines WHERE mapping_name = 'SALESPEOPLE'");
  assert.ok(!(await reviewLines(t.deps)).some((l) => l.mapping === 'SALESPEOPLE'));
  const review = await reviewLines(t.deps, { addMissing: true });
  const salespeople = review.find((l) => l.mapping === 'SALESPEOPLE');
  assert.equal(salespeople?.status, 'Pending');
  assert.equal(salespeople?.recommendation, 'FullSynchronization');
  assert.equal(
    review.findIndex((l) => l.mapping === 'SALESPEOPLE'),
    0,
    'in its place: first, as a parent of the customers',
  );
  assert.ok((await startFullSync(t.deps, t.boss)).ok);
  const settled = await settledLines(t.deps);
  assert.equal(settled.find((l) => l.mapping === 'SALESPEOPLE')?.status, 'Finished');
});

test("a queued or running line holds its mapping's regular job", async () => {
  await t.fx.db.query("UPDATE integration.sync_jobs SET started_at = now() - interval '1 day'");
  await t.fx.db.query(
    "UPDATE integration.full_sync_lines SET status = 'Queued' WHERE mapping_name = 'CUSTOMER'",
  );
  try {
    const due = await scheduleDueMappings(t.deps, t.boss);
    assert.ok(due.length > 0);
    assert.ok(!due.includes('CUSTOMER'));
  } finally {
    await t.fx.db.query(
      "UPDATE integration.full_sync_lines SET status = 'Finished' WHERE mapping_name = 'CUSTOMER'",
    );
  }
});

test('a failed parent holds its children with the reason; restart after the fix runs them', async () => {
  // CUSTOMER now depends on a parent whose pass fails as a whole: it has to couple the CRM's
  // currencies first, and its mapping has no match fields to do it by.
  const currency = t.fx.mapping('CURRENCY');
  await t.fx.setMapping({
    ...currency,
    name: 'BROKEN',
    userDefined: true,
    syncOnlyCoupled: false,
    direction: 'ToIntegrationTable',
    dependencyFilter: '',
    fields: currency.fields.map((f) => ({ ...f, useForMatching: false })),
  });
  await t.fx.db.query(
    "INSERT INTO erp.currencies (code, display_name) VALUES ('BRK', 'Broken') ON CONFLICT DO NOTHING",
  );
  await t.fx.setMapping({ ...t.fx.mapping('CUSTOMER'), dependencyFilter: 'BROKEN' });
  const started = await startFullSync(t.deps, t.boss);
  assert.ok(started.ok, started.ok ? '' : started.error.message);
  const lines = await settledLines(t.deps);
  const broken = lines.find((l) => l.mapping === 'BROKEN')!;
  assert.equal(broken.status, 'Failed');
  assert.match(broken.message ?? '', /mapping BROKEN has no match fields/);
  assert.equal(lines.find((l) => l.mapping === 'CUSTOMER')?.status, 'Finished');
  // A restart of the child under the failed parent: it cannot start until the parent is
  // restarted, which no one does by itself, and the answer says so.
  const held = spawnKobling(['sync', 'full', '--restart', 'CUSTOMER'], {
    DATABASE_URL: t.fx.db.url,
    KOBLING_SECRET_KEY: 'f'.repeat(40),
  });
  assert.equal(await held.exited(), 1, held.output());
  assert.match(
    held.output(),
    /^Restarted the full synchronization of CUSTOMER; it waits for BROKEN, which failed \(.*has no match fields.*\): restart BROKEN first\.$/m,
  );
  assert.doesNotMatch(held.output(), /starts when/);
  const review = await reviewLines(t.deps);
  const customer = review.find((l) => l.mapping === 'CUSTOMER')!;
  assert.equal(customer.status, 'Pending');
  assert.match(customer.waitingFor.join(' '), /BROKEN \(failed: .*has no match fields/);
  const status = await integrationStatus(t.fx.db, systemClock);
  assert.ok(
    status.warnings.some((w) =>
      /^BROKEN: its full synchronization failed: .*kobling sync full --restart BROKEN/.test(w),
    ),
    status.warnings.join('\n'),
  );

  // The fix: the parent matches on the currency code; restart it and the child follows.
  await t.fx.setMapping({ ...t.fx.mapping('BROKEN'), fields: currency.fields });
  const restarted = await restartLine(t.deps, t.boss, 'BROKEN');
  assert.ok(restarted.ok, restarted.ok ? '' : restarted.error.message);
  const after = await settledLines(t.deps);
  assert.equal(after.find((l) => l.mapping === 'BROKEN')?.status, 'Finished');
  assert.equal(after.find((l) => l.mapping === 'CUSTOMER')?.status, 'Finished');
  const busy = await transition(t.fx.db, 'CUSTOMER', 'Running');
  assert.equal(busy, undefined, 'a finished line cannot jump to running');
  const again = await advance(t.deps, t.boss);
  assert.deepEqual(again, [], 'nothing left to start');
});

test('`kobling sync full --restart CUSTOMER --json` restarts the finished line, follows and prints the lines', async () => {
  const before = (await reviewLines(t.deps)).find((l) => l.mapping === 'CUSTOMER')!;
  assert.equal(before.status, 'Finished');
  const cli = spawnKobling(['sync', 'full', '--restart', 'customer', '--json'], {
    DATABASE_URL: t.fx.db.url,
    KOBLING_SECRET_KEY: 'f'.repeat(40),
  });
  assert.equal(await cli.exited(), 0, cli.output());
  const printed = JSON.parse(cli.output().slice(cli.output().indexOf('['))) as {
    mapping: string;
    status: string;
  }[];
  assert.equal(printed.find((l) => l.mapping === 'CUSTOMER')?.status, 'Finished');
  const after = (await reviewLines(t.deps)).find((l) => l.mapping === 'CUSTOMER')!;
  assert.notEqual(after.finishedAt, before.finishedAt, 'run once more');
  assert.equal(after.status, 'Finished');
});

test('off a terminal `kobling sync full` prints plain lines; a reader that closes the pipe early ends the CLI quietly', async () => {
  const env = { DATABASE_URL: t.fx.db.url, KOBLING_SECRET_KEY: 'f'.repeat(40) };
  const plain = spawnKobling(['sync', 'full'], env);
  assert.equal(await plain.exited(), 0, plain.output());
  assert.match(plain.output(), /CUSTOMER/);
  assert.ok(!hasControl(plain.output()), 'no cursor codes when the output is not a terminal');

  // `kobling jobs | head -1`: the reader goes away before the CLI has written.
  const piped = spawnKobling(['jobs'], env);
  piped.child.stdout?.destroy();
  assert.equal(await piped.exited(), 0, piped.output());
  assert.doesNotMatch(piped.output(), /EPIPE|Unhandled/);
});

test('`kobling sync full --restart PARENT` restarts its dependent lines with failed records too, after it has finished; a finished child is left alone', async () => {
  // DEPENDENT hangs under BROKEN (finished) and its record fails: the CRM refuses it.
  const currency = t.fx.mapping('CURRENCY');
  await t.fx.setMapping({
    ...currency,
    name: 'DEPENDENT',
    userDefined: true,
    syncOnlyCoupled: false,
    direction: 'ToIntegrationTable',
    dependencyFilter: 'BROKEN',
    erpFilter: [{ field: 'code', op: 'eq', value: 'DPN' }],
    fields: [{ ...currency.fields[0]!, crmField: 'nosuchcolumn' }],
  });
  await t.fx.db.query(
    "INSERT INTO erp.currencies (code, display_name) VALUES ('DPN', 'Dependent') ON CONFLICT DO NOTHING",
  );
  assert.ok((await startFullSync(t.deps, t.boss)).ok);
  const failed = await settledLines(t.deps);
  const line = (lines: typeof failed, name: string) => lines.find((l) => l.mapping === name)!;
  assert.equal(
    line(failed, 'DEPENDENT').status,
    'FinishedWithErrors',
    line(failed, 'DEPENDENT').message ?? '',
  );
  assert.equal(line(failed, 'BROKEN').status, 'Finished');
  assert.equal(line(failed, 'CUSTOMER').status, 'Finished');

  // The fix; the user restarts the parent, as the failure seemed to come from it.
  await t.fx.setMapping({ ...t.fx.mapping('DEPENDENT'), fields: currency.fields });
  const cli = spawnKobling(['sync', 'full', '--restart', 'broken'], {
    DATABASE_URL: t.fx.db.url,
    KOBLING_SECRET_KEY: 'f'.repeat(40),
  });
  assert.equal(await cli.exited(), 0, cli.output());
  assert.match(
    cli.output(),
    /Restarted the full synchronization of BROKEN; its failed dependent line DEPENDENT restarts when it has finished\./,
  );
  assert.match(
    cli.output(),
    /^Full synchronization of BROKEN, DEPENDENT finished: 2 records: \+1 ~0 ✗0, 1 unchanged\.$/m,
  );
  const after = await reviewLines(t.deps);
  const [parent, child] = [line(after, 'BROKEN'), line(after, 'DEPENDENT')];
  assert.equal(child.status, 'Finished', child.message ?? '');
  assert.equal(parent.status, 'Finished');
  assert.notEqual(parent.finishedAt, line(failed, 'BROKEN').finishedAt, 'the parent ran again');
  assert.ok(new Date(child.startedAt!) >= new Date(parent.finishedAt!), 'after its parent');
  assert.equal(
    line(after, 'CUSTOMER').finishedAt,
    line(failed, 'CUSTOMER').finishedAt,
    'a finished child is not run again',
  );
  const accounts = await t.fx.client.collectAll<{ isocurrencycode: string }>(
    'transactioncurrencies',
    { select: ['isocurrencycode'], filter: "isocurrencycode eq 'DPN'" },
  );
  assert.ok(accounts.ok);
  assert.equal(accounts.value.length, 1, 'the dependent line synchronized its record');
});

test('a parent with a record the CRM refuses finishes with errors and its child runs anyway; the line says how many and where to look; a restart after the fix finishes it', async () => {
  // CHILD hangs under CUSTOMER; its one record fails first (the CRM refuses the column).
  const currency = t.fx.mapping('CURRENCY');
  await t.fx.setMapping({
    ...currency,
    name: 'CHILD',
    userDefined: true,
    syncOnlyCoupled: false,
    direction: 'ToIntegrationTable',
    dependencyFilter: 'CUSTOMER',
    erpFilter: [{ field: 'code', op: 'eq', value: 'CHL' }],
    fields: [{ ...currency.fields[0]!, crmField: 'nosuchcolumn' }],
    // No regular job retries its records: the line's message says `kobling sync` does.
    jobEnabled: false,
  });
  await t.fx.db.query(
    "INSERT INTO erp.currencies (code, display_name) VALUES ('CHL', 'Child') ON CONFLICT DO NOTHING",
  );
  assert.ok((await startFullSync(t.deps, t.boss)).ok);
  const first = (await settledLines(t.deps)).find((l) => l.mapping === 'CHILD')!;
  assert.equal(first.status, 'FinishedWithErrors', first.message ?? '');
  assert.equal(first.counters.failed, 1);
  assert.match(
    first.message ?? '',
    /^1 record failed \([^)]*\)\. See them: `kobling errors --mapping CHILD`; after the fix `kobling sync CHILD` retries it \(the mapping's regular job is off\), or `kobling sync full --restart CHILD` runs the line again$/,
  );

  // CHILD fixed; a customer whose name is longer than the CRM's account name (160) takes.
  await t.fx.setMapping({ ...t.fx.mapping('CHILD'), fields: currency.fields });
  const long = `Too long ${'x'.repeat(200)}`;
  await t.fx.db.query(
    "INSERT INTO erp.customers (number, display_name, city) VALUES ('BAD01', $1, 'Oslo')",
    [long],
  );
  const restarted = await restartLine(t.deps, t.boss, 'CUSTOMER');
  assert.ok(restarted.ok, restarted.ok ? '' : restarted.error.message);
  assert.deepEqual(restarted.value.dependents, ['CHILD'], 'a child with failed records follows');
  const lines = await settledLines(t.deps);
  const parent = lines.find((l) => l.mapping === 'CUSTOMER')!;
  const child = lines.find((l) => l.mapping === 'CHILD')!;
  assert.equal(parent.status, 'FinishedWithErrors', parent.message ?? '');
  assert.equal(parent.counters.failed, 1);
  assert.match(
    parent.message ?? '',
    /^1 record failed \(.*1 failed.*\); its dependent lines? .*CHILD.* went on regardless\. See them: `kobling errors --mapping CUSTOMER`; after the fix the mapping's regular job retries it \(`kobling sync CUSTOMER` now\), or `kobling sync full --restart CUSTOMER` runs the line again$/,
  );
  assert.equal(child.status, 'Finished', `the child is not held: ${child.message}`);
  assert.ok(new Date(child.startedAt!) >= new Date(parent.finishedAt!), 'after its parent');
  assert.equal(child.counters.inserted, 1);
  // One warning for the refused record: its open error and the line that finished with it.
  const customerWarnings = async () =>
    (await integrationStatus(t.fx.db, systemClock)).warnings.filter((w) =>
      w.startsWith('CUSTOMER: '),
    );
  assert.deepEqual(await customerWarnings(), [
    'CUSTOMER: has 1 open record error and 1 record whose last synchronization failed, and its full synchronization finished with 1 failed record (kobling errors --mapping CUSTOMER)',
  ]);

  // `kobling sync full`: nothing to start, but a record failed: the summary says where, exit 1.
  const env = { DATABASE_URL: t.fx.db.url, KOBLING_SECRET_KEY: 'f'.repeat(40) };
  const idle = spawnKobling(['sync', 'full'], env);
  assert.equal(await idle.exited(), 1, idle.output());
  assert.match(idle.output(), /^CUSTOMER\s+FinishedWithErrors \[#{20}\] .*· 1 record failed$/m);
  assert.match(
    idle.output(),
    /Nothing to start: every line has already finished .*\. 1 record failed in CUSTOMER; its dependent line CHILD went on\. See them: `kobling errors --mapping CUSTOMER`/,
  );
  assert.match(
    idle.output(),
    /error \[full_sync_failed\]: 1 record failed in 1 line that finished: CUSTOMER/,
  );

  // Where the message points: the refused record, in the CRM's words.
  const errors = spawnKobling(['errors', '--mapping', 'CUSTOMER'], env);
  assert.equal(await errors.exited(), 0, errors.output());
  assert.match(errors.output(), /exceeded the maximum allowed length of '160'/);

  // The fix; the line runs again and finishes clean.
  await t.fx.db.query(
    "UPDATE erp.customers SET display_name = 'Short again' WHERE number = 'BAD01'",
  );
  // As the line's message says, the regular run retries the record: nothing is open any more,
  // and the line reads Finished, saying what happened.
  const regular = spawnKobling(['sync', 'CUSTOMER'], env);
  assert.equal(await regular.exited(), 0, regular.output());
  const settled = (await reviewLines(t.deps)).find((l) => l.mapping === 'CUSTOMER')!;
  assert.equal(settled.status, 'Finished', settled.message ?? '');
  assert.match(
    settled.message ?? '',
    /^1 record failed in the full synchronization \(.*1 failed.*\); all were synchronized since$/,
  );
  assert.equal(settled.finishedAt, parent.finishedAt, 'when the line ran stays');
  assert.deepEqual(await customerWarnings(), []);
  const again = spawnKobling(['sync', 'full', '--restart', 'customer'], env);
  assert.equal(await again.exited(), 0, again.output());
  assert.match(again.output(), /^Full synchronization of CUSTOMER finished: \d+ records: /m);
  const after = (await reviewLines(t.deps)).find((l) => l.mapping === 'CUSTOMER')!;
  assert.equal(after.status, 'Finished', after.message ?? '');
  const accounts = await t.fx.client.collectAll<{ name: string }>('accounts', {
    select: ['name'],
    filter: "name eq 'Short again'",
  });
  assert.ok(accounts.ok);
  assert.equal(accounts.value.length, 1, 'the refused customer made it, once');
  assert.deepEqual(await customerWarnings(), []);
});

test('a record skipped after failing twice: `kobling sync` says it is not retried and how; a restart restores it first and does not end clean; `kobling skipped retry` after the fix settles the line', async () => {
  const env = { DATABASE_URL: t.fx.db.url, KOBLING_SECRET_KEY: 'f'.repeat(40) };
  const line = async () => (await reviewLines(t.deps)).find((l) => l.mapping === 'CUSTOMER')!;
  const customer = (
    await t.fx.db.query<{ id: string }>(
      "SELECT id FROM erp.customers WHERE number LIKE 'F%' ORDER BY number LIMIT 1",
    )
  ).rows[0]!;
  const coupling = async () =>
    (
      await t.fx.db.query<{ id: string; skipped: boolean }>(
        "SELECT id, skipped FROM integration.couplings WHERE mapping_name = 'CUSTOMER' AND erp_id = $1",
        [customer.id],
      )
    ).rows[0]!;
  // The CRM refuses the coupled customer from now on (its name is too long); two runs, as
  // real-time gives them, fail it twice the same way: it is skipped.
  await t.fx.db.query('UPDATE erp.customers SET display_name = $2 WHERE id = $1', [
    customer.id,
    `Too long ${'y'.repeat(200)}`,
  ]);
  for (let i = 0; i < 2; i++)
    assert.ok((await runMappingJob(t.deps, { mapping: 'CUSTOMER', trigger: 'realtime' })).ran);
  assert.equal((await coupling()).skipped, true, 'skipped after the second failure');

  // A regular run leaves it alone, and says so with the command that retries it.
  const plain = spawnKobling(['sync', 'CUSTOMER'], env);
  assert.equal(await plain.exited(), 0, plain.output());
  assert.match(
    plain.output(),
    /^CUSTOMER: 1 skipped record is not retried automatically \(failed twice with the same message\); after the fix: kobling skipped retry --mapping CUSTOMER \(kobling skipped --mapping CUSTOMER lists it\)$/m,
  );
  const listed = spawnKobling(['skipped', '--mapping', 'CUSTOMER'], env);
  assert.equal(await listed.exited(), 0, listed.output());
  assert.match(
    listed.output(),
    new RegExp(`^${(await coupling()).id} CUSTOMER .*exceeded the maximum allowed length`, 'm'),
  );
  assert.match(listed.output(), /^1 skipped record of CUSTOMER$/m);

  // An explicit full synchronization tries it again (restored first): it fails the same way, is
  // skipped again, and the line does not read clean.
  const restart = spawnKobling(['sync', 'full', '--restart', 'CUSTOMER'], env);
  assert.equal(await restart.exited(), 1, restart.output());
  const failed = await line();
  assert.equal(failed.status, 'FinishedWithErrors', failed.message ?? '');
  assert.equal(failed.counters.failed, 1);
  assert.equal(failed.skippedRecords, 1);
  assert.match(
    failed.message ?? '',
    /^1 record failed \(1 skipped record restored first, .*\); 1 record of the mapping is skipped after failing twice with the same message: no regular run retries it\. See them: .*`kobling skipped --mapping CUSTOMER`; after the fix `kobling skipped retry --mapping CUSTOMER` retries it, or `kobling sync full --restart CUSTOMER`/,
  );
  // Its one failed record is the skipped one: no regular-job advice for it.
  assert.doesNotMatch(failed.message ?? '', /regular job/);
  assert.match(
    restart.output(),
    /CUSTOMER\s+FinishedWithErrors .*· 1 record failed, 1 skipped after failing$/m,
  );
  assert.match(
    restart.output(),
    /1 record of CUSTOMER is skipped after failing twice with the same message: no regular job retries it; after the fix `kobling skipped retry --mapping CUSTOMER`/,
  );
  assert.equal((await coupling()).skipped, true, 'skipped again');
  // Its dependent lines had finished before and did not run again: none is said to have gone on.
  assert.match(restart.output(), / 1 record failed in CUSTOMER\. See them: /);
  assert.doesNotMatch(restart.output(), /went on/);

  // The fix. The regular run still leaves the skipped record alone: the line stays as it is.
  await t.fx.db.query("UPDATE erp.customers SET display_name = 'Fixed again' WHERE id = $1", [
    customer.id,
  ]);
  assert.ok((await runMappingJob(t.deps, { mapping: 'CUSTOMER' })).ran);
  assert.equal((await line()).status, 'FinishedWithErrors');
  // As the line says: the skipped retry synchronizes it, and the line reads Finished.
  const retry = spawnKobling(['skipped', 'retry', '--mapping', 'CUSTOMER'], env);
  assert.equal(await retry.exited(), 0, retry.output());
  assert.match(retry.output(), /^1 skipped record restored, 1 synchronized\.$/m);
  const after = await line();
  assert.equal(after.status, 'Finished', after.message ?? '');
  assert.match(
    after.message ?? '',
    /^1 record failed and 1 record was skipped after failing in the full synchronization \(.*\); all were synchronized since$/,
  );
  assert.equal((await coupling()).skipped, false);
  const status = await integrationStatus(t.fx.db, systemClock);
  assert.deepEqual(
    status.warnings.filter((w) => w.startsWith('CUSTOMER: ')),
    [],
  );
  const none = spawnKobling(['sync', 'CUSTOMER'], env);
  assert.equal(await none.exited(), 0, none.output());
  assert.doesNotMatch(none.output(), /skipped record/);
});

test("a line's counts are the records its mapping's filters let through: CONTACT's person contacts, not the company contacts; CUSTOMER's unblocked customers; a product line's own products; SALESPEOPLE's licensed users", async () => {
  const erpCount = async (mapping: string) =>
    (await reviewLines(t.deps, { addMissing: true })).find((l) => l.mapping === mapping)!.erpCount;
  const customers = await erpCount('CUSTOMER');
  const crmCount = async (mapping: string) =>
    (await reviewLines(t.deps, { addMissing: true })).find((l) => l.mapping === mapping)!.crmCount;
  // ITEM-PRODUCT and RESOURCE-PRODUCT both map to the CRM's products: each counts its own type
  // (`producttypecode`), active ones only. Counted as the engine filters, blank false too.
  const items = await crmCount('ITEM-PRODUCT');
  const resources = await crmCount('RESOURCE-PRODUCT');
  const product = async (n: string, type: number) => {
    const r = await t.fx.user.create('products', {
      name: `Count ${n}`,
      productnumber: n,
      producttypecode: type,
    });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    return r.value.id;
  };
  await product('KI1', 1);
  await product('KI2', 1);
  await product('KR1', 3);
  const retired = await product('KI3', 1);
  assert.ok((await t.fx.client.update('products', retired, { statecode: 1 })).ok);
  assert.equal(
    await crmCount('ITEM-PRODUCT'),
    items! + 2,
    'the two active items, not the resource',
  );
  assert.equal(await crmCount('RESOURCE-PRODUCT'), resources! + 1, 'the resource, not the items');
  // SALESPEOPLE: enabled, licensed users that are not integration users (the demo's 7 users
  // counted 7 while the line handled 5).
  const users = await t.fx.client.collectAll<Record<string, unknown>>('systemusers', {
    select: ['isdisabled', 'islicensed', 'isintegrationuser'],
  });
  assert.ok(users.ok);
  const salespeople = users.value.filter(
    (u) => u.isdisabled !== true && u.islicensed === true && u.isintegrationuser !== true,
  ).length;
  assert.ok(salespeople < users.value.length, 'some users are left out');
  assert.equal(await crmCount('SALESPEOPLE'), salespeople);
  await t.fx.db.query(
    `INSERT INTO erp.contacts (number, type, display_name, customer_number) VALUES
       ('KC1', 'Company', 'Company one', 'F00001'), ('KC2', 'Company', 'Company two', 'F00002')`,
  );
  await t.fx.db.query(
    `INSERT INTO erp.contacts (number, type, first_name, surname, company_number) VALUES
       ('KP1', 'Person', 'Ada', 'One', 'KC1'), ('KP2', 'Person', 'Bo', 'Two', 'KC1'),
       ('KP3', 'Person', 'Cy', 'Three', 'KC2'), ('KP4', 'Person', 'Di', 'Alone', NULL)`,
  );
  // CUSTOMER's filter is `blocked empty`: a blocked customer is not synchronized, nor counted.
  await t.fx.db.query("UPDATE erp.customers SET blocked = 'All' WHERE number = 'F00003'");
  try {
    assert.equal(await erpCount('CONTACT'), 3, 'persons with a company: KP1, KP2, KP3');
    assert.equal(await erpCount('CUSTOMER'), customers! - 1, 'the blocked customer left out');
  } finally {
    await t.fx.db.query(
      "DELETE FROM erp.contacts WHERE number IN ('KP1', 'KP2', 'KP3', 'KP4', 'KC1', 'KC2')",
    );
    await t.fx.db.query("UPDATE erp.customers SET blocked = ' ' WHERE number = 'F00003'");
  }
});

test("a filtered line's progress never passes its total: CONTACT's company contacts and the CRM's contacts without a parent account are read, not counted", async () => {
  await t.fx.db.query(
    `INSERT INTO erp.contacts (number, type, display_name, customer_number) VALUES
       ('QC1', 'Company', 'Q one', 'F00011'), ('QC2', 'Company', 'Q two', 'F00012'),
       ('QC3', 'Company', 'Q three', 'F00013'), ('QC4', 'Company', 'Q four', 'F00014')`,
  );
  await t.fx.db.query(
    `INSERT INTO erp.contacts (number, type, first_name, surname, company_number) VALUES
       ('QP1', 'Person', 'Ada', 'One', 'QC1'), ('QP2', 'Person', 'Bo', 'Two', 'QC1'),
       ('QP3', 'Person', 'Cy', 'Three', 'QC2'), ('QP4', 'Person', 'Di', 'Alone', NULL)`,
  );
  // A salesperson's contacts without a parent account: outside CONTACT's CRM filter.
  for (const n of ['One', 'Two', 'Three'])
    assert.ok((await t.fx.user.create('contacts', { firstname: 'Loose', lastname: n })).ok);
  const line = (await reviewLines(t.deps, { addMissing: true })).find(
    (l) => l.mapping === 'CONTACT',
  )!;
  assert.equal(line.erpCount, 3);
  const total = expectedTotal({ ...line, status: 'Running', total: null, done: 0 })!;
  assert.equal(total, 3, 'the person contacts with a company; no CRM contact in the filter');
  // As the line's worker follows its passes (full-sync-job.ts), in chunks of two.
  const progress = lineProgress();
  const done: number[] = [];
  const reports = await runMapping(
    {
      ...t.fx.ctx,
      chunkSize: 2,
      onProgress: (c, d, n) => {
        done.push(progress(c, d, n).done);
      },
    },
    t.fx.mapping('CONTACT'),
    { trigger: 'fullSynchronization', ignoreOnlyCoupled: true },
  );
  for (const r of reports) assert.equal(r.status, 'succeeded', r.message);
  assert.ok(done.length > 2, `several chunks reported: ${done.join(', ')}`);
  assert.ok(
    done.every((d, i) => d <= total && (i === 0 || d >= done[i - 1]!)),
    `done goes up to ${total} and never back: ${done.join(', ')}`,
  );
  assert.equal(done.at(-1), total);
  const handled = reports.reduce(
    (n, r) => n + Object.values(r.counters).reduce((a, b) => a + b, 0),
    0,
  );
  assert.equal(handled, total, 'the finished line adds up to the total it showed');
});

test('lines dropped while the review counts them again stay dropped: none comes back Pending for the scheduler to start', async () => {
  if ((await reviewLines(t.deps)).length === 0) assert.ok((await startFullSync(t.deps, t.boss)).ok);
  await settledLines(t.deps);
  let recount: Promise<unknown> | undefined;
  // The ERP count of the customers waits behind a lock; the lines are dropped meanwhile (as an
  // organization set aside drops them) and the count goes on once it is released.
  await t.fx.db.transaction(async (tx) => {
    await tx.query('LOCK TABLE erp.customers IN ACCESS EXCLUSIVE MODE');
    recount = reviewLines(t.deps, { addMissing: true });
    for (let waited = 0; ; waited += 20) {
      const r = await t.fx.db.query(
        `SELECT 1 FROM pg_locks WHERE relation = 'erp.customers'::regclass AND NOT granted`,
      );
      if (r.rowCount) break;
      assert.ok(waited < 20_000, 'the recount never waited for the customers');
      await new Promise((r) => setTimeout(r, 20));
    }
    await t.fx.db.query('DELETE FROM integration.full_sync_lines');
  });
  assert.deepEqual(await recount, [], 'the recount adds no line to a review without lines');
  const stored = await t.fx.db.query('SELECT mapping_name FROM integration.full_sync_lines');
  assert.deepEqual(stored.rows, []);
});
