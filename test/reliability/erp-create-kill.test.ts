import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runKobling, spawnKobling } from '../helpers/cli.ts';
import { testConfig } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from '../sync/sync-fixture.ts';

// `kobling sync CUSTOMER` creating ERP customers from CRM accounts (CRM → ERP), killed with
// SIGKILL half-way, then run until quiet: every account coupled to exactly one customer.
const SECRET_KEY = 'e'.repeat(40);
// Large enough that the kill lands mid-way: bulk ERP writes create a group of 100 in a few ms.
const N = 2000;
let fx: SyncFixture;
let env: Record<string, string>;

before(async () => {
  fx = await startSyncFixture();
  await fx.connect(testConfig({ KOBLING_SECRET_KEY: SECRET_KEY }));
  await fx.setMapping({
    ...fx.mapping('CUSTOMER'),
    syncOnlyCoupled: false,
    direction: 'FromIntegrationTable',
  });
  // Entered by a salesperson, 1,000 per `$batch`.
  for (let from = 1; from <= N; from += 1000) {
    const results = await fx.user.executeBatch(
      Array.from({ length: Math.min(1000, N - from + 1) }, (_, i) => ({
        kind: 'create' as const,
        entitySet: 'accounts',
        record: {
          name: `Kill account ${from + i}`,
          address1_city: 'Hammerfest',
          customertypecode: 3,
        },
        changeSet: `cs${Math.floor(i / 100)}`,
      })),
    );
    assert.ok(results.every((r) => r.ok));
  }
  env = { DATABASE_URL: fx.db.url, KOBLING_SECRET_KEY: SECRET_KEY };
});
after(async () => {
  await fx?.close();
});

const count = async (sql: string) => (await fx.db.query<{ n: number }>(sql)).rows[0]!.n;
const CREATED =
  "SELECT count(*)::int AS n FROM erp.customers WHERE display_name LIKE 'Kill account %'";
const PENDING_ERP =
  "SELECT count(*)::int AS n FROM integration.couplings WHERE mapping_name = 'CUSTOMER' AND state = 'pending' AND pending_side = 'erp'";

test('kobling sync killed while creating ERP customers: the next runs couple every account to exactly one customer', async () => {
  const first = spawnKobling(['sync', 'CUSTOMER'], env);
  const deadline = Date.now() + 120_000;
  while ((await count(CREATED)) < 100 || (await count(PENDING_ERP)) === 0) {
    assert.ok(Date.now() < deadline, `the creates never got going:\n${first.output()}`);
    assert.equal(first.child.exitCode, null, `the run ended first:\n${first.output()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  first.child.kill('SIGKILL');
  await first.exited();
  assert.ok((await count(CREATED)) < N, 'killed half-way');

  let quiet = false;
  const outputs: string[] = [];
  for (let run = 0; run < 4 && !quiet; run++) {
    const r = await runKobling(['sync', 'CUSTOMER', '--json'], env);
    outputs.push(r.output);
    assert.equal(r.code, 0, r.output);
    assert.doesNotMatch(r.output, /duplicate key|violates/i, r.output);
    const reports = JSON.parse(r.output.slice(r.output.indexOf('['))) as {
      counters: { inserted: number; failed: number };
    }[];
    quiet = reports.every((p) => p.counters.inserted === 0 && p.counters.failed === 0);
  }
  assert.ok(quiet, `the runs settle:\n${outputs.join('\n')}`);
  const customers = await fx.db.query<{ n: number; names: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT display_name)::int AS names FROM erp.customers
     WHERE display_name LIKE 'Kill account %'`,
  );
  assert.deepEqual(customers.rows[0], { n: N, names: N }, 'one customer per account');
  const coupled = await fx.db.query<{ n: number; accounts: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT c.crm_id)::int AS accounts
       FROM integration.couplings c JOIN erp.customers e ON e.id = c.erp_id
      WHERE c.mapping_name = 'CUSTOMER' AND c.state = 'coupled' AND NOT c.skipped
        AND e.display_name LIKE 'Kill account %'`,
  );
  assert.deepEqual(coupled.rows[0], { n: N, accounts: N }, 'every account coupled, none skipped');
  assert.equal(
    await count(
      "SELECT count(*)::int AS n FROM integration.couplings WHERE mapping_name = 'CUSTOMER' AND (state <> 'coupled' OR skipped)",
    ),
    0,
  );
});
