import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reviewLines, startFullSync } from '../../src/integration/full-sync/full-sync-service.ts';
import { settledLines, startFullSyncSetting } from '../helpers/full-sync.ts';
import { countWith, createAccounts, insertCustomers } from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';

// The whole full synchronization while the CRM emulator answers 20 % of the requests with 429
// (Retry-After) or 503 — and 20 % of the operations inside accepted $batch requests too: every
// line finishes, nothing is lost or duplicated on either side.
const N = 1500;
const EXISTING = 300;
const CRM_ONLY = 100;
const t = useFixture(() =>
  startFullSyncSetting({
    secretKey: 'q'.repeat(40),
    seed: async (fx) => {
      await insertCustomers(fx.db, N, { number: 'T', name: 'Fault customer', city: 'Molde' });
      // Accounts from before the integration: some are the ERP's customers, some only the CRM's.
      await createAccounts(fx, [
        ...Array.from({ length: EXISTING }, (_, i) => `Fault customer ${i + 1}`),
        ...Array.from({ length: CRM_ONLY }, (_, i) => `Fault account ${i + 1}`),
      ]);
    },
  }),
);

const count = (sql: string) => countWith(t.fx.db)(sql);

test('with 20 % of CRM requests answered 429/503, the full synchronization completes with nothing lost', async () => {
  t.fx.emulator.setFaults({
    rate: 0.2,
    statuses: [429, 503],
    retryAfterSeconds: 1,
    batchOperationRate: 0.2,
  });
  const before = t.fx.emulator.stats();
  const started = await startFullSync(t.deps, t.boss);
  assert.ok(started.ok, started.ok ? '' : started.error.message);
  await settledLines(t.deps, { timeoutMs: 240_000, pollMs: 500 });
  const stats = t.fx.emulator.stats();
  t.fx.emulator.setFaults(undefined);
  const faults = stats.faults - before.faults;
  assert.ok(faults > 0, 'the emulator injected faults');

  const lines = await reviewLines(t.deps);
  const errors = await t.fx.db.query<{ direction: string; message: string }>(
    'SELECT direction, message FROM integration.sync_errors LIMIT 3',
  );
  for (const l of lines)
    assert.ok(
      ['Finished', 'NotNeeded'].includes(l.status),
      `${l.mapping}: ${l.status} ${l.message}\n${JSON.stringify(errors.rows)}`,
    );
  const customer = lines.find((l) => l.mapping === 'CUSTOMER')!;
  assert.equal(customer.matched, EXISTING);
  assert.equal(customer.ambiguous, 0);

  assert.equal(
    await count(
      "SELECT count(*)::int AS n FROM integration.couplings WHERE mapping_name = 'CUSTOMER' AND state = 'coupled' AND NOT skipped",
    ),
    N + CRM_ONLY,
    'every customer and every account coupled',
  );
  assert.equal(
    await count(
      "SELECT count(*)::int AS n FROM integration.couplings WHERE mapping_name = 'CUSTOMER' AND (state <> 'coupled' OR skipped)",
    ),
    0,
  );
  const accounts = await t.fx.db.query<{ n: number; names: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT data->>'name')::int AS names FROM crm.records
      WHERE entity = 'account' AND (data->>'name' LIKE 'Fault customer %' OR data->>'name' LIKE 'Fault account %')`,
  );
  assert.equal(accounts.rows[0]!.n, N + CRM_ONLY, 'one account per customer, none duplicated');
  assert.equal(accounts.rows[0]!.names, N + CRM_ONLY);
  const customers = await t.fx.db.query<{ n: number; names: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT display_name)::int AS names FROM erp.customers
      WHERE display_name LIKE 'Fault customer %' OR display_name LIKE 'Fault account %'`,
  );
  assert.equal(customers.rows[0]!.n, N + CRM_ONLY, 'the CRM-only accounts became customers once');
  assert.equal(customers.rows[0]!.names, N + CRM_ONLY);
  assert.equal(
    await count(
      `SELECT count(*)::int AS n FROM integration.couplings c
         JOIN erp.customers k ON k.id = c.erp_id
         JOIN crm.records a ON a.entity = 'account' AND a.id = c.crm_id
        WHERE c.mapping_name = 'CUSTOMER' AND a.data->>'name' = k.display_name AND coalesce(a.data->>'address1_city', '') = k.city`,
    ),
    N + CRM_ONLY,
    'each pair carries the same values on both sides',
  );
  console.log(`full synchronization through ${faults} injected faults`);
});
