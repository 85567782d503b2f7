import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { matchBasedCoupling } from '../../src/sync/service/match-based-coupling.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

// Products created from items carry their price list items in their own create (a deep insert):
// docs/sync-engine.md, "Around CRM creates".
let fx: SyncFixture;

before(async () => {
  fx = await startSyncFixture();
  await fx.db.query(
    `INSERT INTO erp.units_of_measure (code, display_name) VALUES ('PCS', 'Piece'), ('BOX', 'Box')`,
  );
  await fx.db.query(
    `INSERT INTO erp.items (number, display_name, base_unit_of_measure_code, unit_price, unit_cost)
     SELECT 'I' || g, 'Item ' || g, 'PCS', 10 * g + 0.25, 5 FROM generate_series(1, 30) g`,
  );
  // Item I7 costs so much that a box of it is beyond what a Dataverse money column holds.
  await fx.db.query(`UPDATE erp.items SET unit_price = 100000000000000 WHERE number = 'I7'`);
  await fx.db.query(
    `INSERT INTO erp.item_units_of_measure (item_number, code, qty_per_unit_of_measure)
     SELECT number, 'PCS', 1 FROM erp.items UNION ALL SELECT number, 'BOX', 12 FROM erp.items`,
  );
  for (const m of ['UNIT GROUP', 'ITEM UOM']) await matchBasedCoupling(fx.ctx, fx.mapping(m));
});
after(async () => {
  await fx?.close();
});

interface PriceRow {
  number: string;
  list: string | null;
  items: { unit: string; amount: number; list: string }[] | null;
}
const products = async () =>
  (
    await fx.db.query<PriceRow>(
      `SELECT p.data->>'productnumber' AS number, p.data->>'_pricelevelid_value' AS list,
              (SELECT json_agg(json_build_object('unit', u.data->>'name', 'amount', (x.data->>'amount')::numeric,
                                                 'list', x.data->>'_pricelevelid_value') ORDER BY u.data->>'name')
                 FROM crm.records x LEFT JOIN crm.records u ON u.entity = 'uom' AND u.id::text = x.data->>'_uomid_value'
                WHERE x.entity = 'productpricelevel' AND x.data->>'_productid_value' = p.id::text) AS items
         FROM crm.records p WHERE p.entity = 'product' ORDER BY 1`,
    )
  ).rows;

test('a full synchronization of items creates each product with its price list items in one operation; a refused one fails alone', async () => {
  const before = fx.emulator.stats();
  const [report] = await runMapping(fx.ctx, fx.mapping('ITEM-PRODUCT'), {
    only: 'ToIntegrationTable',
    ignoreOnlyCoupled: true,
  });
  const after = fx.emulator.stats();
  assert.equal(report!.counters.inserted, 29, JSON.stringify(report));
  assert.equal(report!.counters.failed, 1);
  // Once the change set holding I7 fails, its operations are sent again one by one: a second $batch.
  assert.equal(
    after.requests - before.requests,
    3,
    'the price list lookup and two $batch requests',
  );
  // Each product: its create (with its price list items) and the update setting its default price
  // list, in one change set; the failed change set's products again, each pair in its own.
  assert.equal(
    after.batchOperations - before.batchOperations,
    30 * 2 + 30 * 2,
    'two operations per product',
  );

  const rows = await products();
  assert.equal(rows.length, 29);
  assert.ok(!rows.some((p) => p.number === 'I7'), 'no product is left without its prices');
  const list = rows[0]!.list!;
  const name = await fx.db.query<{ name: string }>(
    `SELECT data->>'name' AS name FROM crm.records WHERE entity = 'pricelevel' AND id = $1`,
    [list],
  );
  assert.equal(name.rows[0]!.name, 'Default Price List');
  for (const p of rows) {
    const price = 10 * Number(p.number.slice(1)) + 0.25;
    assert.equal(p.list, list, `${p.number} is on the default price list`);
    assert.deepEqual(
      p.items,
      [
        { unit: 'BOX', amount: price * 12, list },
        { unit: 'PCS', amount: price, list },
      ],
      `${p.number}: a price list item per unit, priced by its quantity`,
    );
  }
  const failure = await fx.db.query<{ message: string }>(
    'SELECT message FROM integration.sync_errors WHERE job_id = $1',
    [report!.jobId],
  );
  assert.equal(failure.rows.length, 1, 'the refused product fails alone');
  assert.match(
    failure.rows[0]!.message,
    /^Creating product failed because of the following error: .*amount/,
  );
});

test('the refused product is created with its price list items once its price is fixed', async () => {
  await fx.db.query(`UPDATE erp.items SET unit_price = 70.25 WHERE number = 'I7'`);
  const [report] = await runMapping(fx.ctx, fx.mapping('ITEM-PRODUCT'), {
    only: 'ToIntegrationTable',
  });
  assert.equal(report!.counters.inserted, 1, JSON.stringify(report));
  const i7 = (await products()).find((p) => p.number === 'I7');
  assert.equal(i7?.list, (await products())[0]!.list, 'I7 is on the default price list');
  assert.deepEqual(
    i7?.items?.map((x) => [x.unit, x.amount]),
    [
      ['BOX', 843],
      ['PCS', 70.25],
    ],
  );
});

test('a second run is a no-op: the update setting the default price list is not seen as a change', async () => {
  // The version booked for each product is the one after that update, not the create's.
  const stale = await fx.db.query(
    `SELECT c.erp_id FROM integration.couplings c JOIN crm.records p ON p.entity = 'product' AND p.id = c.crm_id
      WHERE c.mapping_name = 'ITEM-PRODUCT' AND c.last_synced_crm_version IS DISTINCT FROM p.version_number`,
  );
  assert.equal(stale.rowCount, 0, 'every product booked at its current version');
  const before = fx.emulator.stats();
  const reports = await runMapping(fx.ctx, fx.mapping('ITEM-PRODUCT'));
  const after = fx.emulator.stats();
  for (const r of reports) {
    assert.equal(r.counters.inserted, 0, JSON.stringify(r));
    assert.equal(r.counters.modified, 0, JSON.stringify(r));
    assert.equal(r.counters.failed, 0, JSON.stringify(r));
  }
  assert.equal(after.batchOperations - before.batchOperations, 0, 'nothing written to the CRM');
});

test('a product whose run was killed after its $batch landed is coupled, with its price list items once', async () => {
  // The state a run killed between sending the `$batch` and booking it leaves: a pending coupling.
  await fx.db.query(
    `UPDATE integration.couplings SET state = 'pending', pending_side = 'crm'
      WHERE mapping_name = 'ITEM-PRODUCT' AND erp_id = (SELECT id FROM erp.items WHERE number = 'I3')`,
  );
  const [report] = await runMapping(fx.ctx, fx.mapping('ITEM-PRODUCT'), {
    only: 'ToIntegrationTable',
  });
  assert.equal(report!.counters.coupled, 1, JSON.stringify(report));
  assert.equal(report!.counters.inserted, 0);
  const rows = await products();
  assert.equal(rows.filter((p) => p.number === 'I3').length, 1);
  assert.equal(rows.find((p) => p.number === 'I3')?.items?.length, 2);
});
