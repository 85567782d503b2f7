import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_USERS } from '../../src/crm-emulator/seed.ts';
import { startFullSync } from '../../src/integration/full-sync/full-sync-service.ts';
import { settledLines, startFullSyncSetting } from '../helpers/full-sync.ts';
import { useFixture } from '../helpers/use-fixture.ts';

// Both sides already hold the same salespeople and the CRM's base currency, as after a move of
// the connection to another organization: the full synchronization must couple, not duplicate.
const t = useFixture(() =>
  startFullSyncSetting({
    secretKey: 'm'.repeat(40),
    seed: async (fx) => {
      for (const [i, u] of DEMO_USERS.entries())
        await fx.db.query(
          'INSERT INTO erp.salespeople (code, display_name, email) VALUES ($1, $2, $3)',
          [`S${i}`, `${u.firstname} ${u.lastname}`, u.email],
        );
      await fx.db.query(
        "INSERT INTO erp.currencies (code, display_name) VALUES ('USD', 'US Dollar'), ('SEK', 'Swedish Krona') ON CONFLICT DO NOTHING",
      );
    },
  }),
);

test('a full synchronization couples salespeople and the base currency that exist on both sides, and creates only what is missing', async () => {
  const started = await startFullSync(t.deps, t.boss);
  assert.ok(started.ok, started.ok ? '' : started.error.message);
  const first = new Map(started.value.lines.map((l) => [l.mapping, l]));
  assert.equal(first.get('SALESPEOPLE')?.recommendation, 'FullSynchronization');
  assert.equal(
    first.get('CURRENCY')?.recommendation,
    'FullSynchronization',
    'only the base currency in the CRM',
  );
  const lines = new Map((await settledLines(t.deps)).map((l) => [l.mapping, l]));
  for (const name of ['SALESPEOPLE', 'CURRENCY']) {
    const l = lines.get(name)!;
    assert.equal(l.status, 'Finished', `${name}: ${l.message}`);
  }
  const sp = lines.get('SALESPEOPLE')!;
  assert.match(sp.message ?? '', new RegExp(`${DEMO_USERS.length} coupled by matching`));
  for (const u of DEMO_USERS) {
    const r = await t.fx.db.query('SELECT 1 FROM erp.salespeople WHERE display_name = $1', [
      `${u.firstname} ${u.lastname}`,
    ]);
    assert.equal(r.rowCount, 1, `${u.firstname} ${u.lastname} is not duplicated in the ERP`);
  }
  const coupledSp = await t.fx.db.query(
    `SELECT 1 FROM integration.couplings c JOIN erp.salespeople s ON s.id = c.erp_id
      WHERE c.mapping_name = 'SALESPEOPLE' AND s.code LIKE 'S_'`,
  );
  assert.equal(coupledSp.rowCount, DEMO_USERS.length);

  const usd = await t.fx.client.collectAll<{ transactioncurrencyid: string }>(
    'transactioncurrencies',
    { select: ['transactioncurrencyid'], filter: "isocurrencycode eq 'USD'" },
  );
  assert.ok(usd.ok);
  assert.equal(usd.value.length, 1, 'the base currency is coupled, not created a second time');
  const sek = await t.fx.client.collectAll<{ transactioncurrencyid: string }>(
    'transactioncurrencies',
    { select: ['transactioncurrencyid'], filter: "isocurrencycode eq 'SEK'" },
  );
  assert.ok(sek.ok);
  assert.equal(sek.value.length, 1, 'a currency the CRM lacks is created');
  const coupledUsd = await t.fx.db.query(
    `SELECT 1 FROM integration.couplings c JOIN erp.currencies x ON x.id = c.erp_id
      WHERE c.mapping_name = 'CURRENCY' AND x.code = 'USD' AND c.crm_id = $1`,
    [usd.value[0]!.transactioncurrencyid],
  );
  assert.equal(coupledUsd.rowCount, 1);
});
