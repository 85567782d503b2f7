import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { saveBaselines } from '../../src/sync/conflicts/conflict-repo.ts';
import { deleteCoupling, insertCoupling } from '../../src/sync/couplings/coupling-repo.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { startSyncFixture } from './sync-fixture.ts';

const fx = useFixture(startSyncFixture);

const baselinesOf = async (ids: string[]) =>
  (
    await fx.db.query<{ coupling_id: string }>(
      'SELECT coupling_id FROM integration.conflict_baselines WHERE coupling_id = ANY($1::uuid[]) ORDER BY coupling_id',
      [ids],
    )
  ).rows.map((r) => r.coupling_id);

test('a removed coupling takes its conflict baseline along, one by one or many at once (migration sync 022)', async () => {
  const base = { mappingName: 'CUSTOMER', erpTable: 'customers', crmEntity: 'account' };
  const couplings = await Promise.all(
    [1, 2, 3].map(() =>
      insertCoupling(fx.db, { ...base, erpId: randomUUID(), crmId: randomUUID() }),
    ),
  );
  const ids = couplings.map((c) => c.id);
  await saveBaselines(
    fx.db,
    ids.map((couplingId) => ({ couplingId, crmValues: { name: 'Agreed' } })),
  );
  assert.equal((await baselinesOf(ids)).length, 3);

  assert.ok(await deleteCoupling(fx.db, ids[0]!));
  assert.deepEqual(await baselinesOf(ids), ids.slice(1).sort(), 'one coupling removed');

  await fx.db.query('DELETE FROM integration.couplings WHERE id = ANY($1::uuid[])', [ids.slice(1)]);
  assert.deepEqual(await baselinesOf(ids), [], 'the others removed in one statement');
});

test("a create's baseline is inserted, a later update's replaces it (the engine, policy ask)", async () => {
  const { runMapping } = await import('../../src/sync/engine/run-mapping.ts');
  const m = { ...fx.mapping('CUSTOMER'), updateConflict: 'ask' as const };
  await fx.db.query(
    `INSERT INTO erp.customers (number, display_name)
     SELECT 'BL' || n, 'Baseline Customer ' || n FROM generate_series(1, 3) AS n`,
  );
  const agreedNames = async () =>
    (
      await fx.db.query<{ name: string }>(
        `SELECT b.crm_values->>'name' AS name FROM integration.conflict_baselines b
           JOIN integration.couplings c ON c.id = b.coupling_id
          WHERE c.mapping_name = 'CUSTOMER' ORDER BY 1`,
      )
    ).rows.map((r) => r.name);
  const created = await runMapping(fx.ctx, m, {
    only: 'ToIntegrationTable',
    ignoreOnlyCoupled: true,
  });
  assert.equal(created[0]!.counters.inserted, 3, created[0]!.message);
  assert.deepEqual(await agreedNames(), [
    'Baseline Customer 1',
    'Baseline Customer 2',
    'Baseline Customer 3',
  ]);
  await fx.db.query(
    "UPDATE erp.customers SET display_name = 'Baseline Customer 2b' WHERE number = 'BL2'",
  );
  const updated = await runMapping(fx.ctx, m, { only: 'ToIntegrationTable' });
  assert.equal(updated[0]!.counters.modified, 1, updated[0]!.message);
  assert.deepEqual(await agreedNames(), [
    'Baseline Customer 1',
    'Baseline Customer 2b',
    'Baseline Customer 3',
  ]);
});
