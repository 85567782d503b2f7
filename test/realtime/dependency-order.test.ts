import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type RealtimeService,
  startRealtime,
} from '../../src/integration/realtime/realtime-service.ts';
import { countErrors } from '../../src/sync/queries.ts';
import { eventually } from '../helpers/eventually.ts';
import type { TestServer } from '../helpers/server.ts';
import {
  crmIdOf as couplingCrmId,
  type ItemUnitsFixture,
  startItemUnits,
} from '../sync/item-units-fixture.ts';
import type { SyncFixture } from '../sync/sync-fixture.ts';

// One ERP change wakes a mapping and the mapping it depends on together: an item's new base unit
// wakes ITEM UOM (the new item unit) and ITEM-PRODUCT (the item). The product's run waits for the
// unit's, so it never fails the item for a unit not yet in the CRM — a failure that, met twice,
// would skip the item for good.
const UNITS = ['PACK', 'CRATE', 'DRUM'];
let fx: SyncFixture;
let server: TestServer;
let erp: ItemUnitsFixture['erp'];
let deps: ItemUnitsFixture['deps'];
let item: { id: string };
let realtime: RealtimeService | undefined;

before(async () => {
  ({ fx, server, erp, deps, item } = await startItemUnits(UNITS, process.env.RT_LOG ?? 'silent'));
});
after(async () => {
  await realtime?.stop();
  await server?.close();
  await fx?.close();
});

const crmIdOf = (mapping: string, erpId: string) => couplingCrmId(fx, mapping, erpId);

/** The CRM unit coupled to the item's unit `code`, and the product's default unit. */
async function units(code: string) {
  const unit = await fx.db.query<{ id: string }>(
    "SELECT id FROM erp.item_units_of_measure WHERE item_number = 'I-1' AND code = $1",
    [code],
  );
  const uomId = unit.rows[0] ? await crmIdOf('ITEM UOM', unit.rows[0].id) : undefined;
  const product = await fx.client.retrieve<Record<string, unknown>>(
    'products',
    (await crmIdOf('ITEM-PRODUCT', item.id))!,
  );
  assert.ok(product.ok);
  return { uomId, defaultUom: product.value._defaultuomid_value };
}

test('real time: a new base unit, three times in a row, never fails the product first', async () => {
  realtime = await startRealtime(deps, {
    refreshMs: 200,
    pollMs: 300,
    maxPollMs: 5000,
    debounceMs: 100,
    maxWaitMs: 500,
  });
  await eventually('leadership of the item mappings', async () =>
    ['UNIT GROUP', 'ITEM UOM', 'ITEM-PRODUCT'].every((m) => realtime!.led().includes(m)),
  );
  for (const code of UNITS) {
    const r = await erp.patch(`items(${item.id})`, { baseUnitOfMeasureCode: code }, '*');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await eventually(`the product to take ${code} as its default unit`, async () => {
      const now = await units(code);
      return now.uomId !== undefined && now.defaultUom === now.uomId;
    });
    // Settled: the trailing wakes of this change (a run's own echo) have run too, so the next
    // change wakes the mappings afresh rather than landing on a run already about to start.
    await new Promise((r) => setTimeout(r, 1500));
    await eventually('no running job', async () => {
      const r = await fx.db.query("SELECT 1 FROM integration.sync_jobs WHERE status = 'running'");
      return r.rowCount === 0;
    });
  }
  const failed = await fx.db.query<{ trigger: string; failed: number; status: string }>(
    `SELECT trigger, failed, status FROM integration.sync_jobs
      WHERE mapping_name = 'ITEM-PRODUCT' AND (failed > 0 OR status <> 'succeeded')`,
  );
  const jobs = await fx.db.query(
    `SELECT mapping_name, direction, trigger, started_at, finished_at, inserted, modified, failed, message
       FROM integration.sync_jobs ORDER BY started_at`,
  );
  assert.deepEqual(
    failed.rows,
    [],
    `ITEM-PRODUCT logged no failed job: ${JSON.stringify(jobs.rows, null, 1)}`,
  );
  const retries = await fx.db.query(
    "SELECT 1 FROM integration.sync_jobs WHERE mapping_name = 'ITEM-PRODUCT' AND trigger = 'dependency'",
  );
  assert.equal(retries.rowCount, 0, 'no dependency retry was needed');
  assert.equal(await countErrors(fx.db, {}), 0, 'no sync error');
  const coupling = await fx.db.query<{ skipped: boolean; last_result_to_crm: string }>(
    "SELECT skipped, last_result_to_crm FROM integration.couplings WHERE mapping_name = 'ITEM-PRODUCT' AND erp_id = $1",
    [item.id],
  );
  assert.deepEqual(coupling.rows, [{ skipped: false, last_result_to_crm: 'Success' }]);
  const last = await units(UNITS.at(-1)!);
  assert.equal(last.defaultUom, last.uomId);
});
