import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { startJobQueue } from '../../src/db/job-queue.ts';
import { saveConnection } from '../../src/integration/connection-service.ts';
import { SYNC_MAPPING_QUEUE, scheduleDueMappings } from '../../src/integration/sync-jobs.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { setConnectionState } from '../../src/sync/connection/connection-repo.ts';
import { hasControl, runKobling, spawnKobling } from '../helpers/cli.ts';
import { testConfig } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

const SECRET_KEY = 'c'.repeat(40);
let fx: SyncFixture;
let deps: {
  db: SyncFixture['db'];
  config: ReturnType<typeof testConfig>;
  logger: ReturnType<typeof createLogger>;
};

before(async () => {
  fx = await startSyncFixture();
  deps = {
    db: fx.db,
    config: testConfig({ KOBLING_SECRET_KEY: SECRET_KEY }),
    logger: createLogger('silent'),
  };
  await saveConnection(deps, fx.connection);
  await fx.setMapping({ ...fx.mapping('CUSTOMER'), syncOnlyCoupled: false });
  await fx.db.query(
    `INSERT INTO erp.customers (number, display_name) VALUES ('K1', 'Northwind'), ('K2', 'Tailspin')`,
  );
});
after(async () => {
  await fx?.close();
});

const env = () => ({ DATABASE_URL: fx.db.url, KOBLING_SECRET_KEY: SECRET_KEY });

/** What a child writes on one of its streams (attached before it can have written). */
const collect = (stream: Readable | null) => {
  let text = '';
  stream?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return () => text;
};

test('`kobling sync` refuses while the connection is disabled, then runs a mapping and reports counters', async () => {
  const refused = await runKobling(['sync', 'CUSTOMER'], env());
  assert.equal(refused.code, 1);
  assert.match(refused.output, /error \[connection_disabled\]/);
  await setConnectionState(fx.db, { enabled: true });
  // stdout and stderr are pipes here, as in CI or under systemd: the progress is plain lines.
  const ran = spawnKobling(['sync', 'customer', '--json'], env());
  const [stdout, stderr] = [collect(ran.child.stdout), collect(ran.child.stderr)];
  // 'close': the pipes are read to their end (the exit can come first).
  const closed = new Promise((resolve) => ran.child.on('close', resolve));
  assert.equal(await ran.exited(), 0, ran.output());
  await closed;
  assert.match(stderr(), /^CUSTOMER: synchronizing$/m);
  assert.match(
    stderr(),
    /^CUSTOMER: finished in \d+\.\d s: 2 records: 2 inserted, 0 modified, 0 failed, 0 unchanged, 0 skipped/m,
  );
  assert.ok(
    !hasControl(ran.output()),
    `no carriage return or escape: ${JSON.stringify(ran.output())}`,
  );
  // --json: stdout is the JSON and nothing else.
  const reports = JSON.parse(stdout()) as { direction: string; counters: { inserted: number } }[];
  assert.equal(reports[0]!.direction, 'ToIntegrationTable');
  assert.equal(reports[0]!.counters.inserted, 2);
  const unknown = await runKobling(['sync', 'NOPE'], env());
  assert.equal(unknown.code, 1);
  assert.match(unknown.output, /No table mapping named 'NOPE'/);
});

test('`kobling mappings`, `jobs`, `couplings` and `errors` read the log, as text and JSON', async () => {
  const mappings = await runKobling(['mappings', '--json'], env());
  assert.equal(mappings.code, 0, mappings.output);
  const list = JSON.parse(mappings.output) as { name: string }[];
  assert.ok(list.some((m) => m.name === 'CUSTOMER'));
  const text = await runKobling(['mappings'], env());
  assert.match(text.output, /CUSTOMER\s+customers\s+account\s+Bidirectional/);
  const jobs = JSON.parse(
    (await runKobling(['jobs', '--json', '--mapping', 'CUSTOMER'], env())).output,
  ) as { inserted: number }[];
  assert.ok(jobs.some((j) => j.inserted === 2));
  const couplings = JSON.parse(
    (await runKobling(['couplings', '--json', '--mapping', 'CUSTOMER'], env())).output,
  ) as unknown[];
  assert.equal(couplings.length, 2);
  const errors = await runKobling(['errors', '--json'], env());
  assert.deepEqual(JSON.parse(errors.output), []);
  const badTop = await runKobling(['jobs', '--top', 'lots'], env());
  assert.equal(badTop.code, 2);
  // An empty mapping name is told in words, as the other options are, not as zod words it.
  const noName = await runKobling(['jobs', '--mapping', ''], env());
  assert.equal(noName.code, 2, noName.output);
  assert.match(
    noName.output,
    /error \[validation_failed\]: --mapping needs a mapping name, e\.g\. CUSTOMER$/m,
  );
});

test('`kobling sync MAPPING` exits 1 when a record failed, after its summary; 0 once all is well', async () => {
  // The CRM refuses a name this long: the record fails, the pass goes on.
  await fx.db.query("UPDATE erp.customers SET display_name = $1 WHERE number = 'K2'", [
    `Too long ${'y'.repeat(200)}`,
  ]);
  const failed = await runKobling(['sync', 'customer'], env());
  assert.equal(failed.code, 1, failed.output);
  assert.match(failed.output, /^ToIntegrationTable\s+succeeded\s+1 failed$/m);
  assert.match(
    failed.output,
    /^error \[sync_failed\]: 1 record of CUSTOMER failed \(see `kobling errors --mapping CUSTOMER`\)$/m,
  );
  // `kobling jobs` words the job's counters as the run did: "1 failed".
  const jobs = await runKobling(['jobs', '--mapping', 'CUSTOMER', '--top', '2'], env());
  assert.match(jobs.output, /ToIntegrationTable\s+succeeded\s+1 failed$/m);
  await fx.db.query("UPDATE erp.customers SET display_name = 'Tailspin' WHERE number = 'K2'");
  const fixed = await runKobling(['sync', 'CUSTOMER'], env());
  assert.equal(fixed.code, 0, fixed.output);
});

test('the scheduler queues each enabled mapping once its interval has passed, and nothing while disabled', async () => {
  const boss = await startJobQueue(fx.db, createLogger('silent'));
  try {
    await boss.createQueue(SYNC_MAPPING_QUEUE, { name: SYNC_MAPPING_QUEUE, policy: 'stately' });
    assert.deepEqual(
      (await scheduleDueMappings(deps, boss)).filter((n) => n !== 'CUSTOMER'),
      [],
      'just enabled: mappings that never ran wait one interval (no burst of failures at start)',
    );
    await fx.db.query(
      "UPDATE integration.connection SET enabled_at = enabled_at - interval '31 minutes'",
    );
    const due = await scheduleDueMappings(deps, boss);
    assert.ok(!due.includes('CUSTOMER'), 'CUSTOMER ran moments ago (30-minute interval)');
    assert.ok(due.includes('CONTACT'));
    assert.ok(!due.includes('OPPORTUNITY'), 'OPPORTUNITY has no job, as in the reference');
    assert.ok(due.includes('PAYMENT TERMS'), 'option mappings have their job too');
    await fx.setMapping({ ...fx.mapping('CUSTOMER'), jobIntervalMinutes: 1 });
    await fx.db.query(
      "UPDATE integration.sync_jobs SET started_at = started_at - interval '2 minutes' WHERE mapping_name = 'CUSTOMER'",
    );
    assert.ok((await scheduleDueMappings(deps, boss)).includes('CUSTOMER'));
    await setConnectionState(fx.db, { enabled: false });
    assert.deepEqual(await scheduleDueMappings(deps, boss), []);
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
});

test('`kobling mappings` sizes its columns to the longest value, so a long CRM table name keeps them aligned', async () => {
  await fx.setMapping({
    ...fx.mapping('CURRENCY'),
    name: 'LONG CRM TABLE',
    userDefined: true,
    crmEntity: 'msdyn_customerassetcategorytemplate_extension',
  });
  const text = await runKobling(['mappings'], env());
  assert.equal(text.code, 0, text.output);
  const lines = text.output.split('\n').filter((l) => l.trim() !== '');
  const header = lines.findIndex((l) => l.startsWith('NAME'));
  assert.ok(header >= 0, text.output);
  const column = lines[header]!.indexOf('DIRECTION');
  const rows = lines.slice(header + 1);
  assert.ok(rows.some((l) => l.includes('msdyn_customerassetcategorytemplate_extension')));
  for (const row of rows)
    assert.match(
      row.slice(column),
      /^(Bidirectional|ToIntegrationTable|FromIntegrationTable) /,
      `DIRECTION under its header:\n${text.output}`,
    );
});

test('`kobling mappings` shows the real-time switch; `mappings realtime NAME on|off` switches it and says what changed', async () => {
  const column = async () => {
    const text = await runKobling(['mappings'], env());
    assert.equal(text.code, 0, text.output);
    const lines = text.output.split('\n');
    const header = lines.find((l) => l.startsWith('NAME'))!;
    const row = lines.find((l) => l.startsWith('CUSTOMER '))!;
    return row.slice(header.indexOf('REAL-TIME')).split(/\s+/)[0];
  };
  const stored = async () =>
    (
      await fx.db.query<{ realtime: boolean | null }>(
        "SELECT realtime FROM integration.table_mappings WHERE name = 'CUSTOMER'",
      )
    ).rows[0]!.realtime;
  assert.equal(await stored(), null, 'never switched: the default');
  assert.equal(await column(), 'on', 'on by default for master data');

  const off = await runKobling(['mappings', 'realtime', 'customer', 'off'], env());
  assert.equal(off.code, 0, off.output);
  assert.match(
    off.output,
    /Real-time propagation of CUSTOMER is now off \(it was on\): within 5 s running workers stop carrying its changes, which then wait for its scheduled job \(every \d+ min\)\./,
  );
  assert.equal(await stored(), false);
  assert.equal(await column(), 'off');
  const json = await runKobling(['mappings', '--json'], env());
  const customer = (JSON.parse(json.output) as { name: string; realtime: boolean }[]).find(
    (m) => m.name === 'CUSTOMER',
  );
  assert.equal(customer?.realtime, false);

  const again = await runKobling(['mappings', 'realtime', 'CUSTOMER', 'off', '--json'], env());
  assert.equal(again.code, 0, again.output);
  assert.deepEqual(JSON.parse(again.output), {
    mapping: 'CUSTOMER',
    realtime: false,
    was: false,
    changed: false,
    message: 'Real-time propagation of CUSTOMER was already off; nothing changed.',
  });

  const on = await runKobling(['mappings', 'realtime', 'CUSTOMER', 'on'], env());
  assert.equal(on.code, 0, on.output);
  assert.match(on.output, /is now on \(it was off\): running workers carry its changes/);
  assert.equal(await stored(), true);
  assert.equal(await column(), 'on');

  const bad = await runKobling(['mappings', 'realtime', 'CUSTOMER', 'maybe'], env());
  assert.equal(bad.code, 2, bad.output);
  assert.match(bad.output, /Say `on` or `off`, not 'maybe'/);
  const unknown = await runKobling(['mappings', 'realtime', 'NOPE', 'on'], env());
  assert.equal(unknown.code, 1, unknown.output);
  assert.match(unknown.output, /No table mapping named 'NOPE'/);
  assert.equal(await stored(), true, 'refusals change nothing');
});

test('`kobling user list` prints a header row above its users', async () => {
  const added = await runKobling(
    ['user', 'add', 'a-rather-long-user-name-for-columns', '--password', 'correct horse battery'],
    env(),
  );
  assert.equal(added.code, 0, added.output);
  const list = await runKobling(['user', 'list'], env());
  assert.equal(list.code, 0, list.output);
  const lines = list.output.split('\n').filter((l) => l.trim() !== '');
  const header = lines.findIndex((l) => /^USERNAME\s+ROLE\s+STATE\s+TOKENS\s+SESSIONS$/.test(l));
  assert.ok(header >= 0, `a header row:\n${list.output}`);
  const row = lines.find((l) => l.startsWith('a-rather-long-user-name-for-columns '));
  assert.ok(row, list.output);
  assert.equal(row.indexOf('enabled'), lines[header]!.indexOf('STATE'), list.output);
});
