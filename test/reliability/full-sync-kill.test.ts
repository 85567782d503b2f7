import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  advance,
  reviewLines,
  startFullSync,
} from '../../src/integration/full-sync/full-sync-service.ts';
import { type KoblingProcess, spawnKobling } from '../helpers/cli.ts';
import { type FullSyncSetting, settledLines, startFullSyncSetting } from '../helpers/full-sync.ts';
import {
  assertOneAccountEach,
  CUSTOMER_CREATES_IN_FLIGHT,
  countWith,
  createAccounts,
  insertCustomers,
} from '../helpers/sync-data.ts';

// A full synchronization of 5,000 customers on a `kobling worker` process, killed with SIGKILL
// while the CUSTOMER line is part-way, then a new worker: the line is handed out again and
// continues; every customer ends up coupled exactly once to one account (the 400 that were
// accounts already to those), none missing.
const SECRET_KEY = 'k'.repeat(40);
const N = 5000;
const EXISTING = 400;
let setting: FullSyncSetting;
let fx: FullSyncSetting['fx'];
let boss: FullSyncSetting['boss'];
let deps: FullSyncSetting['deps'];
let env: Record<string, string>;
const workers: KoblingProcess[] = [];

before(async () => {
  setting = await startFullSyncSetting({
    secretKey: SECRET_KEY,
    workers: false,
    seed: async (fx) => {
      await insertCustomers(fx.db, N, { number: 'S', name: 'Kill test customer', city: 'Narvik' });
      // Some are accounts already (made before the integration): matched, not created again.
      await createAccounts(
        fx,
        Array.from({ length: EXISTING }, (_, i) => `Kill test customer ${i * 10 + 1}`),
      );
    },
  });
  ({ fx, boss, deps } = setting);
  env = { DATABASE_URL: fx.db.url, KOBLING_SECRET_KEY: SECRET_KEY };
});
after(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await setting?.close();
});

const count = (sql: string, params: unknown[] = []) => countWith(fx.db)(sql, params);
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
  const pendingSql = CUSTOMER_CREATES_IN_FLIGHT;
  // Killed once a chunk is done and the next one's creates are on their way (ids chosen and
  // recorded in the create journal, its $batch sent).
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
  await settledLines(deps, {
    timeoutMs: 150_000,
    pollMs: 1000,
    tick: () => advance(deps, boss),
    describe: (lines) =>
      `${JSON.stringify(lines.map((l) => [l.mapping, l.status, l.message]))}\n${workers[1]!.output()}`,
  });

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
  await assertOneAccountEach(fx.db, N, 'Kill test customer');
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
