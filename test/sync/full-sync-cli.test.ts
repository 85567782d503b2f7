import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startWorkers } from '../../src/db/job-queue.ts';
import { fullSyncJob } from '../../src/integration/full-sync/full-sync-job.ts';
import {
  advance,
  restartLine,
  reviewLines,
} from '../../src/integration/full-sync/full-sync-service.ts';
import { hasOwnLine } from '../../src/integration/full-sync/recommendation.ts';
import { answeredLine } from '../../src/integration/full-sync/review-messages.ts';
import { listMappings } from '../../src/sync/mappings/mapping-repo.ts';
import { freePort, hasControl, runKobling, spawnKobling } from '../helpers/cli.ts';
import { settingServerWithUser, settledLines, startFullSyncSetting } from '../helpers/full-sync.ts';
import { insertCustomers } from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';

// No worker in this process until the first test starts one: `kobling sync full` alone first.
const SECRET = 'c'.repeat(40);
const t = useFixture(() =>
  startFullSyncSetting({
    secretKey: SECRET,
    workers: false,
    seed: async (fx) => {
      await insertCustomers(fx.db, 40, { number: 'K', name: 'CLI customer', city: 'Bergen' });
    },
  }),
);
const env = () => ({ DATABASE_URL: t.fx.db.url, KOBLING_SECRET_KEY: SECRET });
const status = async (mapping: string) =>
  (await reviewLines(t.deps)).find((l) => l.mapping === mapping);
const count = (text: string, re: RegExp) => text.match(new RegExp(re, 'gm'))?.length ?? 0;

/** The server on the fixture's database, and an API token of a new user with the given role. */
const serverWithUser = (username: string, role: 'readOnly' | 'admin') =>
  settingServerWithUser(t, username, role);

test('before the first Start, GET …/fullSync?recount=true and `kobling sync full --review` answer the lines Start would write, NotStarted, and store none (no scheduler tick starts them); a plain GET counts nothing; a count that fails is an error, not an empty review', async () => {
  const { app, token } = await serverWithUser('fullsync-reader', 'readOnly');
  const stored = async () =>
    Number(
      (await t.fx.db.query<{ n: string }>('SELECT count(*) AS n FROM integration.full_sync_lines'))
        .rows[0]!.n,
    );
  try {
    const get = (query = '') =>
      app.inject({
        url: `/api/integration/v1/fullSync${query}`,
        headers: { authorization: `Bearer ${token}` },
      });
    assert.equal(await stored(), 0);
    const plain = await get();
    assert.equal(plain.statusCode, 200, plain.body);
    assert.deepEqual(plain.json().value, [], 'a progress poll counts nothing: no line is stored');

    const res = await get('?recount=true');
    assert.equal(res.statusCode, 200, res.body);
    const lines = res.json().value as {
      mapping: string;
      position: number;
      status: string;
      recommendation: string;
      direction: string;
      dependencyFilter: string;
      erpCount: number;
      crmCount: number;
      queuedAt: string | null;
      waitingFor: string[];
    }[];
    const mappings = (await listMappings(t.fx.db)).filter(hasOwnLine);
    assert.deepEqual(
      lines.map((l) => l.mapping),
      mappings.map((m) => m.name),
      'a line per mapping that gets one, in their order',
    );
    assert.deepEqual(
      lines.map((l) => l.position),
      lines.map((_, i) => i + 1),
    );
    assert.ok(lines.every((l) => l.status === 'NotStarted' && l.queuedAt === null));
    const customer = lines.find((l) => l.mapping === 'CUSTOMER')!;
    const m = mappings.find((x) => x.name === 'CUSTOMER')!;
    assert.equal(customer.erpCount, 40);
    assert.equal(customer.crmCount, 0);
    assert.equal(customer.recommendation, 'FullSynchronization');
    assert.equal(customer.direction, m.direction);
    assert.equal(customer.dependencyFilter, m.dependencyFilter);
    assert.deepEqual(customer.waitingFor, []);
    // Worked out, not written: the scheduler's tick has nothing to start.
    assert.equal(await stored(), 0, 'the review stores no line');
    assert.deepEqual(await advance(t.deps, t.boss), []);
    assert.equal(await stored(), 0);

    const cli = await runKobling(['sync', 'full', '--review'], env());
    assert.equal(cli.code, 0, cli.output);
    assert.match(
      cli.output,
      /^CUSTOMER\s+NotStarted\s+full synchronization · ERP 40 \/ CRM 0 · starts after /m,
    );
    assert.match(
      cli.output,
      /^No full synchronization has been started yet: \d+ lines \(\d+ to synchronize in full(, \d+ to couple records)?(, \d+ with nothing to do)?\), counted now and not started; `kobling sync full` starts them\.$/m,
    );
    assert.doesNotMatch(cli.output, /\b0 (to|with) /, 'no part at 0');
    const json = await runKobling(['sync', 'full', '--review', '--json'], env());
    assert.equal(json.code, 0, json.output);
    const printed = JSON.parse(
      json.output.slice(json.output.indexOf('[\n'), json.output.lastIndexOf('\n]') + 2),
    ) as {
      mapping: string;
      status: string;
      expectedTotal: number | null;
    }[];
    assert.equal(printed.find((l) => l.mapping === 'CUSTOMER')?.status, 'NotStarted');
    // The same lines as GET …/fullSync `value`: what the bar counts to is there too.
    assert.equal(printed.find((l) => l.mapping === 'CUSTOMER')?.expectedTotal, 40);
    assert.equal(await stored(), 0, 'nor does the CLI');
    const both = await runKobling(['sync', 'full', '--review', '--restart-failed'], env());
    assert.equal(both.code, 2, both.output);

    // The CRM unreachable: what could be counted is not passed off as the review.
    const url = await t.fx.db.query<{ crm_url: string }>(
      'SELECT crm_url FROM integration.connection',
    );
    await t.fx.db.query("UPDATE integration.connection SET crm_url = 'http://127.0.0.1:9/'");
    try {
      const failed = await get('?recount=true');
      assert.ok(failed.statusCode >= 400, failed.body);
      assert.match(
        failed.json().error.message,
        /^The lines of the full synchronization could not be worked out: /,
      );
    } finally {
      await t.fx.db.query('UPDATE integration.connection SET crm_url = $1', [url.rows[0]!.crm_url]);
    }
    assert.equal(await stored(), 0);
  } finally {
    await app.close();
  }
});

test('with no worker running the lines wait queued, the CLI asks after 30 s whether one runs, and they start as soon as one does', async () => {
  const cli = spawnKobling(['sync', 'full'], env());
  try {
    await cli.waitFor(/No worker has taken a line in 30 s/, 90_000);
    const lines = await reviewLines(t.deps);
    assert.ok(
      !lines.some((l) => l.status === 'Failed'),
      `no line refused: ${lines.map((l) => `${l.mapping} ${l.status} ${l.message}`).join('; ')}`,
    );
    assert.ok(lines.some((l) => l.status === 'Queued'));
    assert.match(cli.output(), /Queued\s+\[\.+\] waiting for a worker/);
  } catch (e) {
    await cli.stop();
    throw e;
  }
  // Polling as in production: the full-sync queue's definition sets its interval.
  await startWorkers(t.boss, [fullSyncJob(t.deps, t.boss)], {
    concurrency: 2,
    logger: t.deps.logger,
  });
  assert.equal(await cli.exited(), 0, cli.output());
  assert.match(cli.output(), /Full synchronization finished: \d+ lines, \d+ records: \+\d+ ~0 ✗0/);
  // Its stderr is a pipe, as in CI or the journal: plain lines, nothing redrawn — every line as it
  // started out, then each line once more when it finished, with its counters.
  assert.ok(!hasControl(cli.output()), JSON.stringify(cli.output()));
  // First as it started out (waiting for its parents, or queued once they were done).
  assert.match(
    cli
      .output()
      .split('\n')
      .find((l) => l.startsWith('CUSTOMER ')) ?? '',
    /^CUSTOMER\s+(Pending|Queued)\s/,
    cli.output(),
  );
  assert.equal(
    count(cli.output(), /^CUSTOMER\s+Finished\s+\[#{20}\] 40\/40 · \+40 ~0 ✗0/),
    1,
    cli.output(),
  );
  assert.equal((await status('CUSTOMER'))?.status, 'Finished');
});

test('a restarted line starts within a second when a worker is free (the full-sync queue polls every 0.5 s, not 2 s)', async () => {
  const waits: number[] = [];
  for (let i = 0; i < 6; i++) {
    assert.equal((await status('CUSTOMER'))?.status, 'Finished');
    const r = await restartLine(t.deps, t.boss, 'CUSTOMER');
    assert.ok(r.ok, JSON.stringify(r));
    const queued = Date.now();
    while ((await status('CUSTOMER'))?.status === 'Queued') {
      assert.ok(Date.now() - queued < 10_000, 'taken by a worker');
      await new Promise((res) => setTimeout(res, 25));
    }
    waits.push(Date.now() - queued);
    await settledLines(t.deps);
  }
  assert.ok(Math.max(...waits) <= 1000, `waited ${waits.join(', ')} ms`);
});

test('with every line finished, `kobling sync full` says so once, with when and the totals, prints the table once and how to start again', async () => {
  const r = await runKobling(['sync', 'full'], env());
  assert.equal(r.code, 0, r.output);
  assert.equal(
    count(
      r.output,
      /^Nothing to start: every line has already finished \(the last on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\): \d+ lines, \d+ records: \+\d+ ~0 ✗0/,
    ),
    1,
    r.output,
  );
  assert.equal(count(r.output, /^CUSTOMER\s+Finished/), 1, `the table once:\n${r.output}`);
  assert.doesNotMatch(r.output, /Full synchronization finished/);
  assert.match(
    r.output,
    /kobling sync full --restart MAPPING.*POST \/api\/integration\/v1\/fullSync\/lines\/\{mapping\}\/restart/,
  );
});

test('`--restart MAPPING` (in any case) sums up the lines it ran, every record accounted for; a name no line has is echoed as typed, with only the mappings that have a line offered', async () => {
  const r = await runKobling(['sync', 'full', '--restart', 'customer'], env());
  assert.equal(r.code, 0, r.output);
  const summary = r.output.match(
    /^Full synchronization of CUSTOMER[^:]* finished: (\d+) records: \+(\d+) ~(\d+) ✗0, (\d+) unchanged\.$/m,
  );
  assert.ok(summary, r.output);
  const [, records, inserted, modified, unchanged] = summary.map(Number);
  assert.equal(inserted! + modified! + unchanged!, records, 'the records add up');
  assert.ok(unchanged! >= 40, 'the 40 customers synchronized before are unchanged');

  const typo = await runKobling(['sync', 'full', '--restart', 'custmer'], env());
  assert.equal(typo.code, 1, typo.output);
  assert.match(
    typo.output,
    /error \[not_found\]: No table mapping named 'custmer'; did you mean CUSTOMER\?/,
  );
  const unknown = await runKobling(['sync', 'full', '--restart', 'nope'], env());
  assert.equal(unknown.code, 1, unknown.output);
  const offered = unknown.output.match(
    /No table mapping named 'nope'; the mappings with a full synchronization line are (.*)$/m,
  );
  assert.ok(offered, unknown.output);
  const lines = (await reviewLines(t.deps)).map((l) => l.mapping);
  assert.deepEqual(offered[1]!.split(', ').sort(), [...lines].sort());
  const without = (await listMappings(t.fx.db)).filter((m) => !hasOwnLine(m));
  assert.ok(without.length > 0, 'some mapping has no line');
  for (const m of without) assert.ok(!offered[1]!.split(', ').includes(m.name), m.name);
  // A mapping that gets no line says why, and what runs it instead (the API says the same).
  const order = await runKobling(['sync', 'full', '--restart', 'SALESORDER-ORDER'], env());
  assert.equal(order.code, 1, order.output);
  assert.match(
    order.output,
    /error \[not_found\]: No full synchronization line for mapping 'SALESORDER-ORDER': in the standard order mode it gets none, .*`kobling sync SALESORDER-ORDER`/,
  );
});

test('`--restart MAPPING` exits by the lines it ran: an unrelated line that failed, or finished with failed records, is not its outcome', async () => {
  // Lines neither CUSTOMER's parents nor its children, set by hand (nothing runs them meanwhile).
  const set = (mapping: string, status: string, message: string | null, counters = '{}') =>
    t.fx.db.query(
      'UPDATE integration.full_sync_lines SET status = $2, message = $3, counters = $4::jsonb WHERE mapping_name = $1',
      [mapping, status, message, counters],
    );
  const was = await t.fx.db.query<{
    mapping_name: string;
    status: string;
    message: string | null;
    counters: unknown;
  }>(
    "SELECT mapping_name, status, message, counters FROM integration.full_sync_lines WHERE mapping_name IN ('UNIT GROUP', 'RESOURCE UOM')",
  );
  assert.equal(was.rowCount, 2);
  try {
    await set('UNIT GROUP', 'Failed', 'ToIntegrationTable: the CRM refused it');
    await set('RESOURCE UOM', 'FinishedWithErrors', '1 record failed', '{"failed":1}');
    const r = await runKobling(['sync', 'full', '--restart', 'CUSTOMER'], env());
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /^Full synchronization of CUSTOMER[^:]* finished: /m);
    assert.doesNotMatch(
      r.output,
      /full_sync_failed|Full synchronization stopped|in 1 line that finished/,
    );
    // A plain start answers for every line: those two fail it still.
    const all = await runKobling(['sync', 'full'], env());
    assert.equal(all.code, 1, all.output);
    assert.match(
      all.output,
      /error \[full_sync_failed\]: 1 line of the full synchronization failed: UNIT GROUP/,
    );
  } finally {
    for (const w of was.rows)
      await set(w.mapping_name, w.status, w.message, JSON.stringify(w.counters));
  }
});

test("the stored lines' review prints recommendation and both counts; with the CRM down the review (API and CLI) says its counts were not refreshed and why, and `kobling sync CUSTOMER` says nothing was synchronized, with no JSON log lines", async () => {
  const up = await runKobling(['sync', 'full', '--review'], env());
  assert.equal(up.code, 0, up.output);
  assert.match(
    up.output,
    /^CUSTOMER\s+Finished\s+\[#{20}\] \d+\/\d+ · .* · (full synchronization|couple records) · ERP \d+ \/ CRM \d+$/m,
  );
  assert.doesNotMatch(up.output, /Warning:/);
  const { app, token } = await serverWithUser('fullsync-crm-down', 'readOnly');
  const url = await t.fx.db.query<{ crm_url: string; authority_url: string | null }>(
    'SELECT crm_url, authority_url FROM integration.connection',
  );
  try {
    const review = async () => {
      const res = await app.inject({
        url: '/api/integration/v1/fullSync?recount=true',
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as {
        value: { mapping: string; status: string; done: number; expectedTotal: number | null }[];
        countsRefreshed: boolean;
        warning?: string;
      };
    };
    const fresh = await review();
    assert.equal(fresh.countsRefreshed, true);
    assert.equal(fresh.warning, undefined);
    // What the bars count to, for an API client too: a finished line handled what it had to.
    const finished = fresh.value.find((l) => l.mapping === 'CUSTOMER')!;
    assert.equal(finished.status, 'Finished');
    assert.ok(finished.done > 0);
    assert.equal(finished.expectedTotal, finished.done);

    // Nothing listens on a port just freed: the connection is refused, as with the CRM (the
    // emulator, its own token server too) stopped.
    const port = await freePort();
    await t.fx.db.query('UPDATE integration.connection SET crm_url = $1, authority_url = $1', [
      `http://127.0.0.1:${port}`,
    ]);
    const down = `the CRM at 127\\.0\\.0\\.1:${port} is not reachable \\(ECONNREFUSED\\)`;
    const stale = await review();
    assert.equal(stale.countsRefreshed, false);
    assert.match(
      stale.warning ?? '',
      new RegExp(`^Counts not refreshed: ${down}; showing the counts stored by an earlier count$`),
    );
    assert.deepEqual(
      stale.value.map((l) => l.mapping),
      fresh.value.map((l) => l.mapping),
      'the stored lines, with their earlier counts',
    );
    const page = await app.inject({
      url: '/integration/full-sync',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(page.statusCode, 200);
    assert.match(
      page.body,
      new RegExp(
        `<div class="banner warning" role="status"><p>Counts not refreshed: ${down}; showing the counts stored by an earlier count\\. Reload this page to count again\\.</p>`,
      ),
      'the page says it above the table',
    );

    const cli = await runKobling(['sync', 'full', '--review'], env());
    assert.equal(cli.code, 0, `the review itself worked:\n${cli.output}`);
    assert.match(
      cli.output,
      new RegExp(
        `^Warning: Counts not refreshed: ${down}; showing the counts stored by an earlier count\\.$`,
        'm',
      ),
    );
    assert.match(cli.output, /^CUSTOMER\s+Finished\s+.* · ERP \d+ \/ CRM \d+$/m);
    assert.doesNotMatch(cli.output, /^\{/m, 'no JSON log line on the terminal');
    const json = await runKobling(['sync', 'full', '--review', '--json'], env());
    assert.equal(json.code, 0, json.output);
    assert.match(json.output, /^Warning: Counts not refreshed: /m);
    assert.doesNotMatch(json.output, /^\{/m);

    const sync = await runKobling(['sync', 'CUSTOMER'], env());
    assert.equal(sync.code, 1, sync.output);
    assert.match(sync.output, new RegExp(`^CUSTOMER: nothing synchronized: ${down}$`, 'm'));
    assert.match(
      sync.output,
      new RegExp(
        `^error \\[sync_failed\\]: Nothing synchronized: ${down} \\(also in \`kobling jobs --mapping CUSTOMER\`\\)$`,
        'm',
      ),
    );
    assert.doesNotMatch(sync.output, /0 records: 0 inserted/, 'no row of zero counters');
    assert.doesNotMatch(sync.output, /^\{/m, 'no JSON log line on the terminal');

    // A restart restarts nothing, and says why as the banner does.
    const restart = await runKobling(['sync', 'full', '--restart', 'CUSTOMER'], env());
    assert.equal(restart.code, 1, restart.output);
    assert.match(
      restart.output,
      new RegExp(`^error \\[network_error\\]: Nothing restarted: ${down}$`, 'm'),
    );
  } finally {
    await t.fx.db.query('UPDATE integration.connection SET crm_url = $1, authority_url = $2', [
      url.rows[0]!.crm_url,
      url.rows[0]!.authority_url,
    ]);
    await app.close();
  }
});

test('failed lines exit 1; `--restart-failed` restarts every failed line after the fix and the children follow; with none failed it is refused', async () => {
  // Two parents whose passes fail as a whole, a currency each: they have to couple the CRM's
  // currencies first and have no match fields to do it by. CUSTOMER depends on both.
  const broken = (name: string, code: string) => ({
    ...t.fx.mapping('CURRENCY'),
    name,
    userDefined: true,
    syncOnlyCoupled: false,
    direction: 'ToIntegrationTable' as const,
    dependencyFilter: '',
    erpFilter: [{ field: 'code', op: 'eq' as const, value: code }],
    fields: t.fx.mapping('CURRENCY').fields.map((f) => ({ ...f, useForMatching: false })),
  });
  await t.fx.setMapping(broken('BROKEN1', 'BRK'));
  await t.fx.setMapping(broken('BROKEN2', 'BRX'));
  await t.fx.db.query(
    "INSERT INTO erp.currencies (code, display_name) VALUES ('BRK', 'Broken'), ('BRX', 'Broken too') ON CONFLICT DO NOTHING",
  );
  await t.fx.setMapping({ ...t.fx.mapping('CUSTOMER'), dependencyFilter: 'BROKEN1|BROKEN2' });

  const failed = await runKobling(['sync', 'full'], env());
  assert.equal(failed.code, 1, failed.output);
  assert.match(failed.output, /Full synchronization stopped: 2 lines failed \(BROKEN1, BROKEN2\)/);
  assert.match(failed.output, /kobling sync full --restart-failed/);
  assert.match(
    failed.output,
    /error \[full_sync_failed\]: 2 lines of the full synchronization failed/,
  );
  // With more than one line failed, `kobling status` points at the one command for all.
  const st = await runKobling(['status'], env());
  assert.match(
    st.output,
    /BROKEN1: its full synchronization failed: .*kobling sync full --restart-failed\)/,
    st.output,
  );
  assert.doesNotMatch(st.output, /--restart BROKEN1/);

  // CUSTOMER to run again: it waits for its failed parents. Nothing can start: still exit 1.
  assert.ok((await restartLine(t.deps, t.boss, 'CUSTOMER')).ok);
  const held = await runKobling(['sync', 'full', '--json'], env());
  assert.equal(held.code, 1, held.output);
  // stdout is the lines' JSON alone; the start's answer, for a person, is on stderr.
  const printed = JSON.parse(held.stdout) as {
    mapping: string;
    status: string;
    waitingFor: string[];
  }[];
  assert.equal(printed.find((l) => l.mapping === 'CUSTOMER')?.status, 'Pending');
  // The API's lines (GET …/fullSync `value`), `expectedTotal` included.
  assert.deepEqual(
    printed,
    JSON.parse(JSON.stringify((await reviewLines(t.deps)).map(answeredLine))),
  );
  assert.match(held.output, /^Nothing could start: CUSTOMER waits for BROKEN1 \(failed: /m);
  assert.doesNotMatch(held.stdout, /Nothing could start/);
  const text = await runKobling(['sync', 'full'], env());
  assert.equal(text.code, 1, text.output);
  assert.match(
    text.output,
    /^Nothing started: 2 lines failed \(BROKEN1, BROKEN2\), 1 waiting for a failed parent \(CUSTOMER\)/m,
  );
  assert.equal(count(text.output, /^CUSTOMER\s+Pending/), 1, `the table once:\n${text.output}`);

  // The fix (match on the code), then one command for every failed line.
  for (const name of ['BROKEN1', 'BROKEN2'])
    await t.fx.setMapping({ ...t.fx.mapping(name), fields: t.fx.mapping('CURRENCY').fields });
  const restarted = await runKobling(['sync', 'full', '--restart-failed'], env());
  assert.equal(restarted.code, 0, restarted.output);
  assert.match(restarted.output, /Restarted 2 failed lines: BROKEN1, BROKEN2/);
  // Its summary is of the lines it ran: the restarted ones and CUSTOMER, which went on after them.
  assert.match(restarted.output, /^Full synchronization of BROKEN1, BROKEN2, CUSTOMER finished: /m);
  for (const name of ['BROKEN1', 'BROKEN2', 'CUSTOMER'])
    assert.equal((await status(name))?.status, 'Finished', name);

  const none = await runKobling(['sync', 'full', '--restart-failed'], env());
  assert.equal(none.code, 1, none.output);
  assert.match(
    none.output,
    /error \[no_failed_lines\]: No line of the full synchronization has failed or has failed records: nothing to restart/,
  );
  const both = await runKobling(
    ['sync', 'full', '--restart', 'CUSTOMER', '--restart-failed'],
    env(),
  );
  assert.equal(both.code, 2, both.output);
});

test('POST …/fullSync/restartFailed restarts every failed line and every line with failed records (202), POST …/lines/{mapping}/restart restarts one, and with none it is refused with 409 no_failed_lines', async () => {
  const { app, token } = await serverWithUser('fullsync-admin', 'admin');
  try {
    const post = () =>
      app.inject({
        method: 'POST',
        url: '/api/integration/v1/fullSync/restartFailed',
        headers: { authorization: `Bearer ${token}` },
      });
    const none = await post();
    assert.equal(none.statusCode, 409, none.body);
    assert.equal(none.json().error.code, 'no_failed_lines');
    // A Start with every line finished accepts nothing: 200 and why, not 202.
    const start = await app.inject({
      method: 'POST',
      url: '/api/integration/v1/fullSync/start',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(start.statusCode, 200, start.body);
    assert.deepEqual(start.json().queued, []);
    assert.match(start.json().message, /^Nothing to start: /);

    // BROKEN1 on a new currency the CRM refuses (an unknown column): it runs to its end with the
    // record failed; restarted as it is, it does so again; then fixed and restarted through the API.
    const currency = t.fx.mapping('CURRENCY').fields[0]!;
    await t.fx.db.query(
      "INSERT INTO erp.currencies (code, display_name) VALUES ('BRZ', 'Broken again') ON CONFLICT DO NOTHING",
    );
    await t.fx.setMapping({
      ...t.fx.mapping('BROKEN1'),
      erpFilter: [{ field: 'code', op: 'eq', value: 'BRZ' }],
      fields: [{ ...currency, crmField: 'nosuchcolumn' }],
    });
    const restartOne = () =>
      app.inject({
        method: 'POST',
        url: '/api/integration/v1/fullSync/lines/BROKEN1/restart',
        headers: { authorization: `Bearer ${token}` },
      });
    const one = await restartOne();
    assert.equal(one.statusCode, 202, one.body);
    // CUSTOMER, its child, finished: not restarted with it.
    assert.deepEqual(one.json().dependents, []);
    assert.equal(one.json().message, 'Restarted the full synchronization of BROKEN1.');
    assert.equal(one.json().line.mapping, 'BROKEN1');
    await settledLines(t.deps);
    // GET …/fullSync shows it apart from a clean finish, with its failed record and the message.
    const listed = await app.inject({
      url: '/api/integration/v1/fullSync',
      headers: { authorization: `Bearer ${token}` },
    });
    const line = (
      listed.json().value as {
        mapping: string;
        status: string;
        counters: Record<string, number>;
        message: string;
      }[]
    ).find((l) => l.mapping === 'BROKEN1')!;
    assert.equal(line.status, 'FinishedWithErrors', line.message);
    assert.equal(line.counters.failed, 1);
    assert.match(line.message, /^1 record failed .*`kobling errors --mapping BROKEN1`/);
    // `kobling status`: one warning for the record's open error and the line it failed in, with
    // where to see it.
    const st = await runKobling(['status'], env());
    assert.match(
      st.output,
      /^ {2}! BROKEN1: has 1 open record error and 1 record whose last synchronization failed, and its full synchronization finished with 1 failed record \(kobling errors --mapping BROKEN1\)$/m,
      st.output,
    );
    assert.equal(st.output.match(/^ {2}! BROKEN1: /gm)?.length, 1, st.output);
    // Such a line restarts like any finished one (here before the fix: the same outcome).
    const twice = await restartOne();
    assert.equal(twice.statusCode, 202, twice.body);
    assert.notEqual(twice.json().line.status, 'FinishedWithErrors', 'back to work');
    await settledLines(t.deps);
    assert.equal((await status('BROKEN1'))?.status, 'FinishedWithErrors');
    await t.fx.setMapping({ ...t.fx.mapping('BROKEN1'), fields: t.fx.mapping('CURRENCY').fields });
    const restarted = await post();
    assert.equal(restarted.statusCode, 202, restarted.body);
    const body = restarted.json() as { restarted: string[]; message: string; value: unknown[] };
    assert.deepEqual(body.restarted, ['BROKEN1']);
    assert.match(body.message, /^Restarted 1 line with failed records: BROKEN1/);
    assert.ok(body.value.length > 0, 'the lines as they are now');
    await settledLines(t.deps);
    assert.equal((await status('BROKEN1'))?.status, 'Finished');

    // GET …/fullSync counts both sides again only when asked (`recount=true`): a progress poll
    // costs no count request per mapping.
    const review = async (query = '') => {
      const res = await app.inject({
        url: `/api/integration/v1/fullSync${query}`,
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.statusCode, 200, res.body);
      const lines = res.json().value as { mapping: string; erpCount: number | null }[];
      return lines.find((l) => l.mapping === 'CURRENCY')!.erpCount;
    };
    const before = await review('?recount=true');
    await t.fx.db.query(
      "INSERT INTO erp.currencies (code, display_name) VALUES ('RCN', 'Recounted') ON CONFLICT DO NOTHING",
    );
    assert.equal(await review(), before, 'a plain GET shows the counts as they were');
    assert.equal(await review('?recount=true'), before! + 1, 'recount=true counts again');
    const bad = await app.inject({
      url: '/api/integration/v1/fullSync?recount=yes',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(bad.statusCode, 400, bad.body);
  } finally {
    await app.close();
  }
});
