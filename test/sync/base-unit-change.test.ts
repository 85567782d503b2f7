import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import {
  type RealtimeService,
  startRealtime,
} from '../../src/integration/realtime/realtime-service.ts';
import { runMappingJob } from '../../src/integration/sync-jobs.ts';
import { getMapping, saveMapping } from '../../src/sync/mappings/mapping-repo.ts';
import type { TableMapping } from '../../src/sync/model.ts';
import { countErrors } from '../../src/sync/queries.ts';
import { eventually } from '../helpers/eventually.ts';
import type { TestServer } from '../helpers/server.ts';
import {
  crmIdOf as couplingCrmId,
  type ItemUnitsFixture,
  startItemUnits,
} from './item-units-fixture.ts';
import type { SyncFixture } from './sync-fixture.ts';

// A coupled item whose base unit changes in the ERP to a unit it did not have: the ERP adds the
// unit to the item, ITEM UOM creates it in the item's (coupled) CRM unit group although the
// mapping synchronizes only coupled records, and the product's default unit becomes it — through
// the regular runs (scheduled, real-time), with no lasting record error and no manual step.
let fx: SyncFixture;
let server: TestServer;
let erp: ItemUnitsFixture['erp'];
let deps: ItemUnitsFixture['deps'];
let item: { id: string };
let realtime: RealtimeService | undefined;

before(async () => {
  ({ fx, server, erp, deps, item } = await startItemUnits(['PACK', 'CRATE']));
});
after(async () => {
  await realtime?.stop();
  await server?.close();
  await fx?.close();
});

const crmIdOf = (mapping: string, erpId: string) => couplingCrmId(fx, mapping, erpId);

const itemUnitId = async (code: string) =>
  (
    await fx.db.query<{ id: string }>(
      "SELECT id FROM erp.item_units_of_measure WHERE item_number = 'I-1' AND code = $1",
      [code],
    )
  ).rows[0]?.id;

const retrieve = async (set: string, id: string) => {
  const r = await fx.client.retrieve<Record<string, unknown>>(set, id);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
};

/** The product's default unit and unit group, and the unit group the unit `code` is in. */
async function productUnit(code: string) {
  const product = await retrieve('products', (await crmIdOf('ITEM-PRODUCT', item.id))!);
  const unitId = await itemUnitId(code);
  const uomId = unitId ? await crmIdOf('ITEM UOM', unitId) : undefined;
  const uom = uomId ? await retrieve('uoms', uomId) : undefined;
  return {
    defaultUom: product._defaultuomid_value,
    defaultGroup: product._defaultuomscheduleid_value,
    uomId,
    uom: uom
      ? { name: uom.name, quantity: Number(uom.quantity), group: uom._uomscheduleid_value }
      : undefined,
  };
}

const changeBaseUnit = async (code: string) => {
  const r = await erp.patch(`items(${item.id})`, { baseUnitOfMeasureCode: code }, '*');
  assert.equal(r.status, 200, JSON.stringify(r.body));
};

test('scheduled runs in the worst order: the product fails for a moment, then takes the new unit once ITEM UOM created it', async () => {
  await changeBaseUnit('PACK');
  assert.ok(await itemUnitId('PACK'), 'the ERP made PACK one of the item’s units');

  // The product's run comes first: the new unit is not in the CRM yet, so the item fails.
  const early = await runMappingJob(deps, { mapping: 'ITEM-PRODUCT', trigger: 'schedule' });
  assert.ok(early.ran, early.reason);
  assert.equal(early.reports![0]!.counters.failed, 1, JSON.stringify(early.reports));
  assert.equal(await countErrors(fx.db, { mapping: 'ITEM-PRODUCT' }), 1);

  // ITEM UOM's scheduled run: only coupled records synchronize, but the unit's unit group is
  // coupled, so the unit is created there — and the product's failure is retried at once.
  const units = await runMappingJob(deps, { mapping: 'ITEM UOM', trigger: 'schedule' });
  assert.ok(units.ran, units.reason);
  assert.equal(units.reports![0]!.counters.inserted, 1, JSON.stringify(units.reports));

  const group = await crmIdOf('UNIT GROUP', item.id);
  const now = await productUnit('PACK');
  assert.ok(now.uomId, 'PACK is coupled through ITEM UOM');
  assert.deepEqual(now.uom, { name: 'PACK', quantity: 1, group });
  assert.equal(now.defaultUom, now.uomId);
  assert.equal(now.defaultGroup, group);
  assert.equal(await countErrors(fx.db, {}), 0, 'no open record error remains');
  const retried = await fx.db.query<{ trigger: string; modified: number; failed: number }>(
    `SELECT trigger, modified, failed FROM integration.sync_jobs
      WHERE mapping_name = 'ITEM-PRODUCT' AND direction = 'ToIntegrationTable'
      ORDER BY started_at DESC LIMIT 1`,
  );
  assert.deepEqual(retried.rows, [{ trigger: 'dependency', modified: 1, failed: 0 }]);
});

test('a coupled resource takes a new base unit the same way (RESOURCE UOM, RESOURCE-PRODUCT)', async () => {
  for (const mapping of ['RESOURCE UOM', 'RESOURCE-PRODUCT']) {
    const r = await runMappingJob(deps, { mapping, trigger: 'test', full: true });
    assert.ok(r.ran, r.reason);
  }
  const resource = (
    await fx.db.query<{ id: string }>("SELECT id FROM erp.resources WHERE number = 'R-1'")
  ).rows[0]!;
  const changed = await erp.patch(
    `resources(${resource.id})`,
    { baseUnitOfMeasureCode: 'PACK' },
    '*',
  );
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  for (const mapping of ['RESOURCE UOM', 'RESOURCE-PRODUCT']) {
    const r = await runMappingJob(deps, { mapping, trigger: 'schedule' });
    assert.ok(
      r.reports?.every((p) => p.status === 'succeeded' && p.counters.failed === 0),
      JSON.stringify(r),
    );
  }
  const unit = (
    await fx.db.query<{ id: string }>(
      "SELECT id FROM erp.resource_units_of_measure WHERE resource_number = 'R-1' AND code = 'PACK'",
    )
  ).rows[0]!;
  const uomId = await crmIdOf('RESOURCE UOM', unit.id);
  assert.ok(uomId, 'PACK is coupled through RESOURCE UOM');
  const uom = await retrieve('uoms', uomId);
  assert.equal(uom._uomscheduleid_value, await crmIdOf('UNIT GROUP', resource.id));
  const product = await retrieve('products', (await crmIdOf('RESOURCE-PRODUCT', resource.id))!);
  assert.equal(product._defaultuomid_value, uomId);
  assert.equal(await countErrors(fx.db, {}), 0);
});

test('mappings stored before get the parent mark on their unit group lookup (migration sync 038)', async () => {
  const unitGroupLookup = (m: TableMapping) =>
    m.fields.find((f) => f.erpField === 'unitGroupCode')?.lookup;
  const stored = fx.mapping('RESOURCE UOM');
  assert.deepEqual(unitGroupLookup(stored), {
    mapping: 'UNIT GROUP',
    erpKey: 'code',
    parent: true,
  });
  const before = {
    ...stored,
    fields: stored.fields.map((f) =>
      f.erpField === 'unitGroupCode'
        ? { ...f, lookup: { mapping: 'UNIT GROUP', erpKey: 'code' } }
        : f,
    ),
  };
  try {
    await saveMapping(fx.db, before);
    await fx.db.query(
      await readFile(
        new URL('../../src/sync/migrations/038_unit_parent_lookup.sql', import.meta.url),
        'utf8',
      ),
    );
    const migrated = await getMapping(fx.db, 'RESOURCE UOM');
    assert.deepEqual(unitGroupLookup(migrated!), {
      mapping: 'UNIT GROUP',
      erpKey: 'code',
      parent: true,
    });
  } finally {
    await saveMapping(fx.db, stored);
  }
});

test('real time: changing the base unit over the ERP API reaches the unit group and the product, with no lasting error', async () => {
  realtime = await startRealtime(deps, {
    refreshMs: 200,
    pollMs: 300,
    maxPollMs: 5000,
    debounceMs: 100,
    maxWaitMs: 500,
  });
  await eventually('leadership of the item mappings', async () =>
    ['ITEM UOM', 'ITEM-PRODUCT'].every((m) => realtime!.led().includes(m)),
  );
  await changeBaseUnit('CRATE');
  const group = await crmIdOf('UNIT GROUP', item.id);
  await eventually('the product to take CRATE as its default unit', async () => {
    const now = await productUnit('CRATE');
    return now.uomId !== undefined && now.defaultUom === now.uomId;
  });
  const now = await productUnit('CRATE');
  assert.deepEqual(now.uom, { name: 'CRATE', quantity: 1, group });
  assert.equal(now.defaultGroup, group);
  await eventually('no open record error', async () => (await countErrors(fx.db, {})) === 0);
});
