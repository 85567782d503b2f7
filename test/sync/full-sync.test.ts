import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type PgBoss, startJobQueue, startWorkers } from '../../src/db/job-queue.ts';
import { fullSyncJob } from '../../src/integration/full-sync/full-sync-job.ts';
import { transition } from '../../src/integration/full-sync/full-sync-lines.ts';
import {
  advance,
  restartLine,
  reviewLines,
  startFullSync,
} from '../../src/integration/full-sync/full-sync-service.ts';
import { scheduleDueMappings } from '../../src/integration/sync-jobs.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { spawnKobling } from '../helpers/cli.ts';
import { testConfig } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

const N = 300;
let fx: SyncFixture;
let boss: PgBoss;
let deps: {
  db: SyncFixture['db'];
  config: ReturnType<typeof testConfig>;
  logger: ReturnType<typeof createLogger>;
};

before(async () => {
  fx = await startSyncFixture();
  deps = {
    db: fx.db,
    config: testConfig({ KOBLING_SECRET_KEY: 'f'.repeat(40) }),
    logger: createLogger('silent'),
  };
  await fx.connect(deps.config);
  await fx.db.query(
    `INSERT INTO erp.customers (number, display_name, city)
     SELECT 'F' || lpad(g::text, 5, '0'), 'Full sync customer ' || g, 'Oslo' FROM generate_series(1, $1) g`,
    [N],
  );
  boss = await startJobQueue(fx.db, deps.logger);
  await startWorkers(boss, [fullSyncJob(deps, boss)], {
    concurrency: 2,
    logger: deps.logger,
    pollingIntervalSeconds: 0.5,
  });
});
after(async () => {
  await boss?.stop({ graceful: false, wait: true });
  await fx?.close();
});

async function settled(timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Settled: nothing queued or running, and no pending line that could start (a line that just
    // finished hands its children to the workers a moment later).
    const lines = await reviewLines(deps);
    if (
      lines.every(
        (l) =>
          !['Queued', 'Running'].includes(l.status) &&
          (l.status !== 'Pending' || l.waitingFor.length > 0),
      )
    )
      return lines;
    if (Date.now() > deadline)
      assert.fail(`not settled: ${JSON.stringify(lines.map((l) => [l.mapping, l.status]))}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

test('full synchronization: recommendations, every line in dependency order, records copied once', async () => {
  const started = await startFullSync(deps, boss);
  assert.ok(started.ok, started.ok ? '' : started.error.message);
  const first = new Map(started.value.lines.map((l) => [l.mapping, l]));
  assert.equal(first.get('CUSTOMER')?.recommendation, 'FullSynchronization', 'ERP only: copy');
  assert.equal(first.get('CONTACT')?.recommendation, 'NoRecords', 'empty on both sides');
  assert.ok(!first.has('POSTEDSALESLINE-INV'), 'document lines are not lines of their own');
  assert.ok(started.value.queued.length > 0);
  assert.ok(!started.value.queued.includes('CUSTOMER'), 'CUSTOMER waits for its parents');
  assert.ok(first.get('CUSTOMER')!.waitingFor.length > 0);

  const lines = await settled();
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
  const accounts = await fx.client.collectAll<{ name: string }>('accounts', {
    select: ['name'],
    filter: "startswith(name,'Full sync customer')",
  });
  assert.ok(accounts.ok);
  assert.equal(accounts.value.length, N);
  const w = await fx.db.query<{ erp_watermark: string | null }>(
    "SELECT erp_watermark FROM integration.table_mappings WHERE name = 'CUSTOMER'",
  );
  assert.ok(
    w.rows[0]?.erp_watermark !== null,
    'the watermark advanced to the end of the full sync',
  );
});

test("a queued or running line holds its mapping's regular job", async () => {
  await fx.db.query("UPDATE integration.sync_jobs SET started_at = now() - interval '1 day'");
  await fx.db.query(
    "UPDATE integration.full_sync_lines SET status = 'Queued' WHERE mapping_name = 'CUSTOMER'",
  );
  try {
    const due = await scheduleDueMappings(deps, boss);
    assert.ok(due.length > 0);
    assert.ok(!due.includes('CUSTOMER'));
  } finally {
    await fx.db.query(
      "UPDATE integration.full_sync_lines SET status = 'Finished' WHERE mapping_name = 'CUSTOMER'",
    );
  }
});

test('a failed parent holds its children with the reason; restart after the fix runs them', async () => {
  // CUSTOMER now depends on a parent whose records the CRM refuses (an unknown column).
  await fx.setMapping({
    ...fx.mapping('CURRENCY'),
    name: 'BROKEN',
    userDefined: true,
    syncOnlyCoupled: false,
    direction: 'ToIntegrationTable',
    dependencyFilter: '',
    fields: [{ ...fx.mapping('CURRENCY').fields[0]!, crmField: 'nosuchcolumn' }],
  });
  await fx.db.query(
    "INSERT INTO erp.currencies (code, display_name) VALUES ('BRK', 'Broken') ON CONFLICT DO NOTHING",
  );
  await fx.setMapping({ ...fx.mapping('CUSTOMER'), dependencyFilter: 'BROKEN' });
  const started = await startFullSync(deps, boss);
  assert.ok(started.ok, started.ok ? '' : started.error.message);
  assert.ok((await restartLine(deps, boss, 'CUSTOMER')).ok);
  const lines = await settled();
  const broken = lines.find((l) => l.mapping === 'BROKEN')!;
  assert.equal(broken.status, 'Failed');
  assert.match(broken.message ?? '', /record\(s\) failed/);
  const review = await reviewLines(deps);
  const customer = review.find((l) => l.mapping === 'CUSTOMER')!;
  assert.equal(customer.status, 'Pending');
  assert.match(customer.waitingFor.join(' '), /BROKEN \(failed: .*record\(s\) failed/);

  // The fix: the parent no longer sends the bad column; restart it and the child follows.
  await fx.setMapping({ ...fx.mapping('BROKEN'), fields: fx.mapping('CURRENCY').fields });
  const restarted = await restartLine(deps, boss, 'BROKEN');
  assert.ok(restarted.ok, restarted.ok ? '' : restarted.error.message);
  const after = await settled();
  assert.equal(after.find((l) => l.mapping === 'BROKEN')?.status, 'Finished');
  assert.equal(after.find((l) => l.mapping === 'CUSTOMER')?.status, 'Finished');
  const busy = await transition(fx.db, 'CUSTOMER', 'Running');
  assert.equal(busy, undefined, 'a finished line cannot jump to running');
  const again = await advance(deps, boss);
  assert.deepEqual(again, [], 'nothing left to start');
});

test('`kobling sync full --json` starts, follows and prints the lines', async () => {
  await restartLine(deps, boss, 'CUSTOMER');
  const cli = spawnKobling(['sync', 'full', '--json'], {
    DATABASE_URL: fx.db.url,
    KOBLING_SECRET_KEY: 'f'.repeat(40),
  });
  assert.equal(await cli.exited(), 0, cli.output());
  const printed = JSON.parse(cli.output().slice(cli.output().indexOf('['))) as {
    mapping: string;
    status: string;
  }[];
  assert.equal(printed.find((l) => l.mapping === 'CUSTOMER')?.status, 'Finished');
});
