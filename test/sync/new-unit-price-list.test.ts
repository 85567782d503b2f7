import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_PRICE_LIST_NAME } from '../../src/integration/adapters/product-price-list.ts';
import { runMappingJob } from '../../src/integration/sync-jobs.ts';
import { countErrors } from '../../src/sync/queries.ts';
import type { TestServer } from '../helpers/server.ts';
import { crmIdOf, type ItemUnitsFixture, startItemUnits } from './item-units-fixture.ts';
import type { SyncFixture } from './sync-fixture.ts';

// A coupled item's new unit gets its price list item on the default price list when the product
// is updated, as a product created with the unit would have (docs/sync-engine.md, "A coupled
// item's new base unit"), over real HTTP to the CRM emulator — and never a second one.
let fx: SyncFixture;
let server: TestServer;
let erp: ItemUnitsFixture['erp'];
let deps: ItemUnitsFixture['deps'];
let item: { id: string };

before(async () => {
  ({ fx, server, erp, deps, item } = await startItemUnits(['PALLET']));
});
after(async () => {
  await server?.close();
  await fx?.close();
});

const ok = <T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
};

/** The product's price list items on the default price list: unit name → amounts. */
async function priceListItems(): Promise<Record<string, number[]>> {
  const product = (await crmIdOf(fx, 'ITEM-PRODUCT', item.id))!;
  const lists = ok(
    await fx.client.retrieveMultiple<Record<string, unknown>>('pricelevels', {
      filter: `name eq '${DEFAULT_PRICE_LIST_NAME}'`,
    }),
  ).value;
  assert.equal(lists.length, 1, 'one default price list');
  const rows = ok(
    await fx.client.retrieveMultiple<Record<string, unknown>>('productpricelevels', {
      filter: `_productid_value eq ${product} and _pricelevelid_value eq ${lists[0]!.pricelevelid}`,
    }),
  ).value;
  const out: Record<string, number[]> = {};
  for (const row of rows) {
    const uom = ok(
      await fx.client.retrieve<Record<string, unknown>>('uoms', String(row._uomid_value)),
    );
    const name = String(uom.name);
    out[name] = [...(out[name] ?? []), Number(row.amount)];
  }
  for (const amounts of Object.values(out)) amounts.sort((a, b) => a - b);
  return out;
}

const run = async (mapping: string) => {
  const r = await runMappingJob(deps, { mapping, trigger: 'schedule' });
  assert.ok(r.ran, r.reason);
  return r.reports!;
};

test('the product created with the item has a price list item per unit', async () => {
  assert.deepEqual(await priceListItems(), { BOX: [74.04], PCS: [12.34] });
});

test('a new base unit gets one price list item once ITEM UOM created it, in the worst order of runs', async () => {
  const changed = await erp.patch(`items(${item.id})`, { baseUnitOfMeasureCode: 'PALLET' }, '*');
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  // The product first: PALLET is not in the CRM yet, the item fails and nothing is priced.
  const early = await run('ITEM-PRODUCT');
  assert.equal(early[0]!.counters.failed, 1, JSON.stringify(early));
  assert.deepEqual(await priceListItems(), { BOX: [74.04], PCS: [12.34] });
  // ITEM UOM creates PALLET and retries the product at once (trigger dependency).
  const units = await run('ITEM UOM');
  assert.equal(units[0]!.counters.inserted, 1, JSON.stringify(units));
  assert.deepEqual(await priceListItems(), { BOX: [74.04], PALLET: [12.34], PCS: [12.34] });
  const product = await fx.client.retrieve<Record<string, unknown>>(
    'products',
    (await crmIdOf(fx, 'ITEM-PRODUCT', item.id))!,
  );
  assert.ok(product.ok);
  assert.equal(product.value._defaultuomid_value, await pallet());
  assert.equal(await countErrors(fx.db, {}), 0, 'no open record error remains');
});

test('later runs, with or without a change of the item, add no second price list item', async () => {
  const idle = await run('ITEM-PRODUCT');
  assert.equal(idle[0]?.counters.modified ?? 0, 0, JSON.stringify(idle));
  // A change of the item updates the product again: its units are priced already.
  const renamed = await erp.patch(`items(${item.id})`, { displayName: 'Renamed item' }, '*');
  assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
  const again = await run('ITEM-PRODUCT');
  assert.equal(again[0]!.counters.modified, 1, JSON.stringify(again));
  assert.equal(again[0]!.counters.failed, 0, JSON.stringify(again));
  assert.deepEqual(await priceListItems(), { BOX: [74.04], PALLET: [12.34], PCS: [12.34] });
});

const pallet = async () => {
  const unit = (
    await fx.db.query<{ id: string }>(
      "SELECT id FROM erp.item_units_of_measure WHERE item_number = 'I-1' AND code = 'PALLET'",
    )
  ).rows[0]!;
  return crmIdOf(fx, 'ITEM UOM', unit.id);
};
