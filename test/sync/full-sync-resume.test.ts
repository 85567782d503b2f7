import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  advance,
  reviewLines,
  STALE_AFTER_MS,
  startFullSync,
} from '../../src/integration/full-sync/full-sync-service.ts';
import { LOCK_WAIT, withMappingLock } from '../../src/integration/mapping-lock.ts';
import { runMappingJob } from '../../src/integration/sync-jobs.ts';
import { settledLines, startFullSyncSetting } from '../helpers/full-sync.ts';
import { createAccounts, insertCustomers } from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';

// Customers that already exist as uncoupled accounts are coupled by matching (the CUSTOMER
// mapping matches on the name), never duplicated; ambiguous ones are held back; a line handed
// out again continues where it stopped.
const N = 200;
const EXISTING = 60;
const t = useFixture(() =>
  startFullSyncSetting({
    secretKey: 'm'.repeat(40),
    seed: async (fx) => {
      await insertCustomers(fx.db, N, { number: 'M', name: 'Match customer', city: 'Oslo' });
      await fx.db.query(
        `INSERT INTO erp.customers (number, display_name, city) VALUES
         ('M90001', 'Case Customer', 'Oslo'), ('M90002', 'Twin Co', 'Oslo'),
         ('M90003', 'Double Ltd', 'Oslo'), ('M90004', 'Double Ltd', 'Bergen')`,
      );
      // Accounts a salesperson made before the integration: the first EXISTING customers by name,
      // one differing only in case, two look-alikes of one customer, one shared by two customers,
      // and one with no customer at all.
      const names = [
        ...Array.from({ length: EXISTING }, (_, i) => `Match customer ${i + 1}`),
        'case customer',
        'Twin Co',
        'Twin Co',
        'Double Ltd',
        'CRM only account',
      ];
      await createAccounts(fx, names, { address1_city: 'Trondheim' });
    },
  }),
);

const count = async (sql: string, params: unknown[] = []) =>
  (await t.fx.db.query<{ n: number }>(sql, params)).rows[0]!.n;
const accountsNamed = (name: string) =>
  count(
    "SELECT count(*)::int AS n FROM crm.records WHERE entity = 'account' AND data->>'name' = $1",
    [name],
  );

test('existing uncoupled accounts are coupled by matching, never duplicated; ambiguous ones are held back and reported', async () => {
  const started = await startFullSync(t.deps, t.boss);
  assert.ok(started.ok, started.ok ? '' : started.error.message);
  assert.equal(
    started.value.lines.find((l) => l.mapping === 'CUSTOMER')?.recommendation,
    'CoupleRecords',
  );
  const lines = await settledLines(t.deps);
  const customer = lines.find((l) => l.mapping === 'CUSTOMER')!;
  assert.equal(customer.status, 'Finished', customer.message ?? '');
  assert.equal(customer.matched, EXISTING + 1, 'the name matches, case-insensitively');
  assert.equal(customer.ambiguous, 3, 'Twin Co (two accounts) and both Double Ltd');
  assert.match(customer.message ?? '', /61 coupled by matching/);
  assert.match(customer.message ?? '', /3 records not coupled because several records match them/);

  // No duplicate: one account per customer, the existing ones coupled to their customer.
  for (const i of [1, EXISTING, EXISTING + 1, N])
    assert.equal(await accountsNamed(`Match customer ${i}`), 1, `Match customer ${i}`);
  assert.equal(
    await count(
      `SELECT count(*)::int AS n FROM integration.couplings c
         JOIN erp.customers k ON k.id = c.erp_id
         JOIN crm.records a ON a.entity = 'account' AND a.id = c.crm_id
        WHERE c.mapping_name = 'CUSTOMER' AND c.state = 'coupled' AND lower(a.data->>'name') = lower(k.display_name)`,
    ),
    N + 2,
    'every customer but the ambiguous ones coupled to the account with its name (and the CRM-only account to its new customer)',
  );
  assert.equal(
    await count(
      "SELECT count(*)::int AS n FROM crm.records WHERE entity = 'account' AND data->>'address1_city' = 'Trondheim'",
    ),
    4,
    'the matched accounts now carry their customer’s values (not the three held back, nor the CRM-only one)',
  );
  // Held back: neither created in the CRM nor their candidates created in the ERP.
  assert.equal(await accountsNamed('Twin Co'), 2);
  assert.equal(await accountsNamed('Double Ltd'), 1);
  assert.equal(
    await count(
      "SELECT count(*)::int AS n FROM erp.customers WHERE display_name IN ('Twin Co', 'Double Ltd')",
    ),
    3,
  );
  assert.equal(
    await count(
      "SELECT count(*)::int AS n FROM erp.customers WHERE display_name = 'CRM only account'",
    ),
    1,
    'an account without a customer is created in the ERP',
  );
  const errors = await t.fx.db.query<{ message: string }>(
    `SELECT e.message FROM integration.sync_errors e JOIN integration.sync_jobs j ON j.id = e.job_id
      WHERE j.mapping_name = 'CUSTOMER' AND j.type = 'Coupling' ORDER BY e.message`,
  );
  assert.equal(errors.rows.length, 3);
  assert.match(errors.rows[0]!.message, /2 uncoupled records in Dynamics 365 Sales match it/);
  assert.match(errors.rows[2]!.message, /another record matches the same record/);
});

test('starting again re-runs no finished line', async () => {
  const before = await reviewLines(t.deps);
  const again = await startFullSync(t.deps, t.boss);
  assert.ok(again.ok);
  assert.deepEqual(again.value.queued, [], 'nothing to hand out');
  const after = await reviewLines(t.deps);
  for (const l of after) {
    const b = before.find((x) => x.mapping === l.mapping)!;
    assert.equal(l.status, b.status, l.mapping);
    assert.equal(l.attempts, b.attempts, l.mapping);
    assert.equal(l.finishedAt, b.finishedAt, l.mapping);
  }
});

test('a line whose worker died: its regular runs are held, it is handed out again only once its lock is free, and continues from where it stopped', async () => {
  // The CUSTOMER line as a killed worker leaves it: running, silent, its watermarks part-way.
  const seq = await count('SELECT max(change_seq)::int AS n FROM erp.customers');
  await t.fx.db.query(
    `UPDATE integration.full_sync_lines SET status = 'Running', finished_at = NULL,
       heartbeat_at = now() - $1 * interval '1 millisecond', done = 5, counters = '{"inserted": 5}'
      WHERE mapping_name = 'CUSTOMER'`,
    [STALE_AFTER_MS + 5000],
  );
  await t.fx.db.query(
    "UPDATE integration.table_mappings SET erp_watermark = $1 WHERE name = 'CUSTOMER'",
    [seq],
  );
  await t.fx.db.query(
    `INSERT INTO erp.customers (number, display_name, city)
     SELECT 'R' || lpad(g::text, 5, '0'), 'Resumed customer ' || g, 'Oslo' FROM generate_series(1, 7) g`,
  );

  // Meanwhile a real-time or scheduled run of the mapping is held: it would move the watermark
  // past the new customers without creating them (it syncs coupled records only).
  const held = await runMappingJob(t.deps, { mapping: 'CUSTOMER', trigger: 'realtime' });
  assert.equal(held.ran, false);
  assert.equal(held.busy, true, 'real-time tries again later');
  assert.match(held.reason ?? '', /full synchronization/);
  assert.equal(
    await count(
      "SELECT erp_watermark::int AS n FROM integration.table_mappings WHERE name = 'CUSTOMER'",
    ),
    seq,
  );

  // While someone holds the mapping's lock, its worker may be alive: not handed out.
  const whileLocked = await withMappingLock(t.fx.db, 'CUSTOMER', () => advance(t.deps, t.boss), {
    waitMs: LOCK_WAIT.request,
  });
  assert.ok(whileLocked.ok);
  assert.ok(!whileLocked.value.includes('CUSTOMER'));
  assert.equal(
    (await reviewLines(t.deps)).find((l) => l.mapping === 'CUSTOMER')?.status,
    'Running',
  );

  const queued = await advance(t.deps, t.boss);
  assert.deepEqual(queued, ['CUSTOMER'], 'only the dead line is handed out again');
  const lines = await settledLines(t.deps);
  const customer = lines.find((l) => l.mapping === 'CUSTOMER')!;
  assert.equal(customer.status, 'Finished', customer.message ?? '');
  assert.equal(customer.attempts, 2);
  assert.equal(
    customer.counters.inserted,
    5 + 7,
    "continued from its watermark (only the 7 new ones created) and counts on from the dead run's 5",
  );
  assert.equal(customer.ambiguous, 3, 'the ambiguous ones are still held back');
  assert.equal(await accountsNamed('Twin Co'), 2);
  for (let i = 1; i <= 7; i++) assert.equal(await accountsNamed(`Resumed customer ${i}`), 1);
  assert.ok(
    (await count(
      "SELECT erp_watermark::int AS n FROM integration.table_mappings WHERE name = 'CUSTOMER'",
    )) > seq,
    'the watermark advanced to the end of the full sync: the regular job continues from there',
  );
  const after = await runMappingJob(t.deps, { mapping: 'CUSTOMER', trigger: 'realtime' });
  assert.equal(after.ran, true, 'no longer held');
});

test('a queued line no job runs any more (its retries used up by shutdowns) is handed to the workers again by the scheduler, and runs', async () => {
  // As a third shutdown during the line leaves it: handed back to the queue, its job failed for
  // good (pg-boss retries it twice); a moment later than a worker would have taken it.
  await t.fx.db.query(
    `UPDATE integration.full_sync_lines SET status = 'Queued', finished_at = NULL,
       queued_at = now() - $1 * interval '1 millisecond', message = 'Interrupted by a shutdown'
      WHERE mapping_name = 'CUSTOMER'`,
    [STALE_AFTER_MS + 5000],
  );
  const before = (await reviewLines(t.deps)).find((l) => l.mapping === 'CUSTOMER')!;
  assert.equal(
    await count(
      "SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'sync.fullSync' AND data->>'mapping' = 'CUSTOMER' AND state IN ('created', 'retry', 'active')",
    ),
    0,
    'no job runs it',
  );
  assert.deepEqual(await advance(t.deps, t.boss), ['CUSTOMER']);
  const customer = (await settledLines(t.deps)).find((l) => l.mapping === 'CUSTOMER')!;
  assert.equal(customer.status, 'Finished', customer.message ?? '');
  assert.equal(customer.attempts, before.attempts + 1, 'run by the job sent again');
  assert.deepEqual(await advance(t.deps, t.boss), [], 'a line that runs or ran is left alone');
});
