import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startErpApi } from './fixtures.ts';

// BC validates an item's or resource's Base Unit of Measure by making it one of its units
// (quantity 1), on insert and on modify.
let t: Awaited<ReturnType<typeof startErpApi>>;
before(async () => {
  t = await startErpApi({ database: 'erp_base_unit', role: 'admin' });
});
after(() => t.close());

const units = async (set: string, owner: string, number: string) => {
  const r = await t.api.get(`${set}?$filter=${owner} eq '${number}'&$orderby=code`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body.value as { code: string; qtyPerUnitOfMeasure: number }[]).map((u) => [
    u.code,
    Number(u.qtyPerUnitOfMeasure),
  ]);
};

test('an item created without a base unit has no units; setting one later adds it (quantity 1)', async () => {
  const created = await t.api.post('items', {
    number: 'WRITE-IN',
    displayName: 'Write-in product',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(await units('itemUnitsOfMeasure', 'itemNumber', 'WRITE-IN'), []);

  const patched = await t.api.patch(
    `items(${created.body.id})`,
    { baseUnitOfMeasureCode: 'PCS' },
    '*',
  );
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  assert.equal(patched.body.baseUnitOfMeasureCode, 'PCS');
  assert.deepEqual(await units('itemUnitsOfMeasure', 'itemNumber', 'WRITE-IN'), [['PCS', 1]]);

  // Another base unit joins the first; going back to one the item has adds nothing.
  await t.api.patch(`items(${created.body.id})`, { baseUnitOfMeasureCode: 'BOX' }, '*');
  await t.api.patch(`items(${created.body.id})`, { baseUnitOfMeasureCode: 'PCS' }, '*');
  assert.deepEqual(await units('itemUnitsOfMeasure', 'itemNumber', 'WRITE-IN'), [
    ['BOX', 1],
    ['PCS', 1],
  ]);
});

test('an item or resource created with a base unit has it among its units, once', async () => {
  const item = await t.api.post('items', {
    number: 'I-2',
    displayName: 'Gadget',
    baseUnitOfMeasureCode: 'BOX',
  });
  assert.equal(item.status, 201, JSON.stringify(item.body));
  assert.deepEqual(await units('itemUnitsOfMeasure', 'itemNumber', 'I-2'), [['BOX', 1]]);
  // Naming the base unit again is refused as in BC (the record exists), not duplicated.
  const again = await t.api.post('itemUnitsOfMeasure', { itemNumber: 'I-2', code: 'BOX' });
  assert.equal(again.status, 409, JSON.stringify(again.body));

  const resource = await t.api.post('resources', {
    number: 'R-2',
    displayName: 'Design',
    baseUnitOfMeasureCode: 'HOUR',
  });
  assert.equal(resource.status, 201, JSON.stringify(resource.body));
  assert.deepEqual(await units('resourceUnitsOfMeasure', 'resourceNumber', 'R-2'), [['HOUR', 1]]);
  // The basic company's resource got its base unit the same way.
  assert.deepEqual(await units('resourceUnitsOfMeasure', 'resourceNumber', 'R-1'), [['HOUR', 1]]);
});
