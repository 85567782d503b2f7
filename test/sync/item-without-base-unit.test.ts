import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFullSync } from '../../src/integration/full-sync/full-sync-service.ts';
import { integrationStatus } from '../../src/integration/status/mapping-status.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { createInCrm } from '../../src/sync/service/create-in.ts';
import { settledLines, startFullSyncSetting } from '../helpers/full-sync.ts';
import { useFixture } from '../helpers/use-fixture.ts';

// The README's write-in item has no base unit of measure: it has no unit group, no product, and
// fails nothing; the other items, their prices and the lines after them go through.
const t = useFixture(() =>
  startFullSyncSetting({
    secretKey: 'b'.repeat(40),
    seed: async (fx) => {
      await fx.db.query(
        `INSERT INTO erp.units_of_measure (code, display_name) VALUES ('PCS', 'Piece'), ('BOX', 'Box')
         ON CONFLICT DO NOTHING`,
      );
      await fx.db.query(
        `INSERT INTO erp.items (number, display_name, base_unit_of_measure_code, unit_price)
         VALUES ('1000', 'Bicycle', 'PCS', 500), ('WRITE-IN', 'Write-in product', NULL, 0)`,
      );
      await fx.db.query(
        `INSERT INTO erp.item_units_of_measure (item_number, code, qty_per_unit_of_measure) VALUES ('1000', 'PCS', 1)`,
      );
      await fx.db.query(
        `INSERT INTO erp.customer_price_groups (code, display_name) VALUES ('RETAIL', 'Retail')`,
      );
      await fx.db.query(
        `INSERT INTO erp.sales_prices (item_number, sales_type, sales_code, unit_price)
         VALUES ('1000', 'Customer Price Group', 'RETAIL', 450)`,
      );
    },
  }),
);

const groups = async () => {
  const r = await t.fx.client.collectAll<{ name: string; baseuomname: string | null }>(
    'uomschedules',
    { select: ['name', 'baseuomname'] },
  );
  assert.ok(r.ok);
  return r.value.map((g) => ({ name: g.name, baseuomname: g.baseuomname }));
};

test('a full synchronization with an item without a base unit finishes every line; the item is left out, and says why', async () => {
  const started = await startFullSync(t.deps, t.boss);
  assert.ok(started.ok, started.ok ? '' : started.error.message);
  const lines = await settledLines(t.deps);
  const byName = new Map(lines.map((l) => [l.mapping, l]));
  for (const l of lines)
    assert.ok(
      ['Finished', 'NotNeeded'].includes(l.status),
      `${l.mapping}: ${l.status} ${l.message}`,
    );
  for (const name of [
    'UNIT GROUP',
    'ITEM UOM',
    'ITEM-PRODUCT',
    'CUSTPRCGRP-PRICE',
    'SALESPRC-PRODPRICE',
  ])
    assert.equal(byName.get(name)?.status, 'Finished', name);
  assert.equal(byName.get('ITEM-PRODUCT')?.counters.inserted, 1);
  assert.equal(byName.get('ITEM-PRODUCT')?.counters.failed, 0);

  // No unit group without a base unit: only the bicycle's.
  assert.deepEqual(
    (await groups()).filter((g) => g.name.startsWith('ITEM')),
    [{ name: 'ITEM1000', baseuomname: 'PCS' }],
  );
  const products = await t.fx.client.collectAll<{ productnumber: string }>('products', {
    select: ['productnumber'],
  });
  assert.ok(products.ok);
  assert.deepEqual(
    products.value.map((p) => p.productnumber),
    ['1000'],
  );

  // Asked for it, the write-in item says why it has no product.
  const writeIn = await t.fx.db.query<{ id: string }>(
    "SELECT id FROM erp.items WHERE number = 'WRITE-IN'",
  );
  const asked = await createInCrm(t.fx.ctx, t.fx.mapping('ITEM-PRODUCT'), [writeIn.rows[0]!.id]);
  assert.equal(asked.created.length, 0);
  assert.match(
    asked.failed[0]?.message ?? '',
    /outside the ERP filter of mapping ITEM-PRODUCT \(baseUnitOfMeasureCode = \(empty\), the filter needs baseUnitOfMeasureCode not empty\)/,
  );
});

test("a unit group whose item changed its base unit is not sent the CRM's create-only baseuomname", async () => {
  // The bicycle's base unit changes after its unit group was created with PCS.
  await t.fx.db.query(
    "UPDATE erp.items SET base_unit_of_measure_code = 'BOX' WHERE number = '1000'",
  );
  const reports = await runMapping(t.fx.ctx, t.fx.mapping('UNIT GROUP'));
  assert.deepEqual(
    reports.map((r) => [r.status, r.counters.failed, r.counters.modified]),
    [['succeeded', 0, 0]],
    JSON.stringify(reports),
  );
  const errors = await t.fx.db.query(
    "SELECT message FROM integration.sync_errors WHERE mapping_name = 'UNIT GROUP'",
  );
  assert.deepEqual(errors.rows, []);
  // The CRM keeps the unit group's base unit, as Dataverse does.
  assert.equal((await groups()).find((g) => g.name === 'ITEM1000')?.baseuomname, 'PCS');
  const status = await integrationStatus(t.fx.db, systemClock);
  assert.equal(status.mappings.find((m) => m.mapping === 'UNIT GROUP')?.state, 'ok');
});

test('a mapping whose run failed a record is a warning in status, not ok', async () => {
  const unitGroup = t.fx.mapping('UNIT GROUP');
  // The CRM refuses the record (an unknown column); the run itself succeeds.
  await t.fx.setMapping({
    ...unitGroup,
    fields: [
      ...unitGroup.fields,
      { ...unitGroup.fields[0]!, position: unitGroup.fields.length + 1, crmField: 'nosuchcolumn' },
    ],
  });
  try {
    await t.fx.db.query(
      "INSERT INTO erp.items (number, display_name, base_unit_of_measure_code) VALUES ('2000', 'Helmet', 'PCS')",
    );
    const reports = await runMapping(t.fx.ctx, t.fx.mapping('UNIT GROUP'), {
      ignoreOnlyCoupled: true,
    });
    assert.deepEqual(
      reports.map((r) => [r.status, r.counters.failed]),
      [['succeeded', 1]],
    );
    const status = await integrationStatus(t.fx.db, systemClock);
    const m = status.mappings.find((x) => x.mapping === 'UNIT GROUP')!;
    assert.equal(m.state, 'warning');
    assert.equal(m.openErrors, 1);
    assert.ok(
      status.warnings.some((w) =>
        /^UNIT GROUP: has 1 open record error and 1 record whose last synchronization failed \(kobling errors --mapping 'UNIT GROUP'\)$/.test(
          w,
        ),
      ),
      status.warnings.join('\n'),
    );
  } finally {
    await t.fx.setMapping(unitGroup);
  }
});
