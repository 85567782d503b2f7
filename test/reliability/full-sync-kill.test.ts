import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type PgBoss, startJobQueue } from '../../src/db/job-queue.ts';
import {
  advance,
  reviewLines,
  startFullSync,
} from '../../src/integration/full-sync/full-sync-service.ts';
import { newId } from '../../src/shared/ids.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { type KoblingProcess, spawnKobling } from '../helpers/cli.ts';
import { testConfig } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from '../sync/sync-fixture.ts';

// A full synchronization of 5,000 customers on a `kobling worker` process, killed with SIGKILL
// while the CUSTOMER line is part-way, then a new worker: the line is handed out again and
// continues; every customer ends up coupled exactly once to one account (the 400 that were
// accounts already to those), none missing.
const SECRET_KEY = 'k'.repeat(40);
const N = 5000;
const EXISTING = 400;
let fx: SyncFixture;
let boss: PgBoss;
let env: Record<string, string>;
const logger = createLogger('silent');
let deps: { db: SyncFixture['db']; config: ReturnType<typeof testConfig>; logger: typeof logger };
const workers: KoblingProcess[] = [];

before(async () => {
  fx = await startSyncFixture();
  deps = { db: fx.db, config: testConfig({ KOBLING_SECRET_KEY: SECRET_KEY }), logger };
  await fx.connect(deps.config);
  await fx.db.query(
    `INSERT INTO erp.customers (number, display_name, city)
     SELECT 'S' || lpad(g::text, 5, '0'), 'Kill test customer ' || g, 'Narvik' FROM generate_series(1, $1) g`,
    [N],
  );
  // Some are accounts already (made before the integration): matched, not created again.
  const made = await fx.user.executeBatch(
    Array.from({ length: EXISTING }, (_, i) => ({
      kind: 'create' as const,
      entitySet: 'accounts',
      id: newId(),
      record: { name: `Kill test customer ${i * 10 + 1}`, customertypecode: 3 },
    })),
  );
  assert.ok(made.every((r) => r.ok));
  boss = await startJobQueue(fx.db, logger);
  env = { DATABASE_URL: fx.db.url, KOBLING_SECRET_KEY: SECRET_KEY };
});
after(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await boss?.stop({ graceful: false, wait: true });
  await fx?.close();
});

const count = async (sql: string, params: unknown[] = []) =>
  (await fx.db.query<{ n: number }>(sql, params)).rows[0]!.n;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function worker(): Promise<KoblingProcess> {
  const w = spawnKobling(['worker'], env);
  workers.push(w);
  await w.waitFor(/is running/, 60_000);
  return w;
}

test('SIGKILL of the worker in the middle of a full synchronization: restarted, it finishes with every customer coupled exactly once, no duplicate account, none missing', async () => {
  const first = await worker();
  // Each CRM request a little slower, so the kill lands while the CUSTOMER line is part-way.
  fx.emulator.setFaults({ rate: 0, latencyMs: 150 });
  const started = await startFullSync(deps, boss);
  assert.ok(started.ok, started.ok ? '' : started.error.message);

  const coupledSql =
    "SELECT count(*)::int AS n FROM integration.couplings WHERE mapping_name = 'CUSTOMER' AND state = 'coupled'";
  const pendingSql =
    "SELECT count(*)::int AS n FROM integration.couplings WHERE mapping_name = 'CUSTOMER' AND state = 'pending'";
  // Killed once a chunk is done and the next one's creates are on their way (ids chosen and
  // recorded as pending couplings, its $batch sent).
  const deadline = Date.now() + 120_000;
  while ((await count(coupledSql)) <= EXISTING || (await count(pendingSql)) === 0) {
    assert.ok(Date.now() < deadline, `the CUSTOMER line never progressed:\n${first.output()}`);
    await sleep(20);
  }
  first.child.kill('SIGKILL');
  await first.exited();
  fx.emulator.setFaults(undefined);
  const coupledAtKill = await count(coupledSql);
  const pendingAtKill = await count(pendingSql);
  const killed = await reviewLines(deps);
  const customerAtKill = killed.find((l) => l.mapping === 'CUSTOMER')!;
  assert.equal(customerAtKill.status, 'Running', 'killed while the CUSTOMER line ran');
  assert.ok(coupledAtKill > EXISTING && coupledAtKill < N, `part-way: ${coupledAtKill} of ${N}`);
  const finishedBefore = killed.filter((l) => l.status === 'Finished');
  assert.ok(finishedBefore.length > 0, 'its parents had finished');

  await worker();
  // What the scheduler does every minute: hand out lines whose worker stopped (after 20 s of
  // silence with the mapping's lock free) and start children whose parents are done.
  const resumeDeadline = Date.now() + 150_000;
  for (;;) {
    await advance(deps, boss);
    const lines = await reviewLines(deps);
    const busy = lines.some(
      (l) =>
        ['Queued', 'Running'].includes(l.status) ||
        (l.status === 'Pending' && l.waitingFor.length === 0),
    );
    if (!busy) break;
    assert.ok(
      Date.now() < resumeDeadline,
      `not finished: ${JSON.stringify(lines.map((l) => [l.mapping, l.status, l.message]))}\n${workers[1]!.output()}`,
    );
    await sleep(1000);
  }

  const lines = await reviewLines(deps);
  for (const l of lines)
    assert.ok(
      ['Finished', 'NotNeeded'].includes(l.status),
      `${l.mapping}: ${l.status} ${l.message}`,
    );
  const customer = lines.find((l) => l.mapping === 'CUSTOMER')!;
  assert.equal(customer.attempts, 2, 'handed out once more');
  assert.equal(customer.recommendation, 'CoupleRecords');
  assert.equal(customer.matched, EXISTING, 'the existing accounts matched once');
  assert.ok(
    (customer.counters.inserted ?? 0) < N,
    `continued where it stopped: ${customer.counters.inserted} created after the restart`,
  );
  for (const b of finishedBefore) {
    const l = lines.find((x) => x.mapping === b.mapping)!;
    assert.equal(l.attempts, b.attempts, `${b.mapping} was not run again`);
    assert.equal(l.finishedAt, b.finishedAt, `${b.mapping} was not run again`);
  }

  assert.equal(
    await count(
      "SELECT count(*)::int AS n FROM integration.couplings WHERE mapping_name = 'CUSTOMER' AND (state <> 'coupled' OR skipped)",
    ),
    0,
    'no pending or skipped coupling left',
  );
  assert.equal(
    await count(
      `SELECT count(DISTINCT k.id)::int AS n FROM erp.customers k
         JOIN integration.couplings c ON c.erp_table = 'customers' AND c.erp_id = k.id AND c.state = 'coupled'
         JOIN crm.records a ON a.entity = 'account' AND a.id = c.crm_id AND a.data->>'name' = k.display_name
        WHERE k.display_name LIKE 'Kill test customer %'`,
    ),
    N,
    'every customer coupled to an existing account with its name: none missing',
  );
  const accounts = await fx.db.query<{ n: number; names: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT data->>'name')::int AS names FROM crm.records
      WHERE entity = 'account' AND data->>'name' LIKE 'Kill test customer %'`,
  );
  assert.equal(accounts.rows[0]!.n, N, 'one account per customer: no duplicate');
  assert.equal(accounts.rows[0]!.names, N);
  assert.equal(
    await count(
      "SELECT count(*)::int AS n FROM erp.customers WHERE display_name LIKE 'Kill test customer %'",
    ),
    N,
    'no customer created back from its own account',
  );
  console.log(
    `killed at ${coupledAtKill} of ${N} coupled, ${pendingAtKill} creates pending; the restarted line created ${customer.counters.inserted}`,
  );
});
