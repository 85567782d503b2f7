import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { couple } from '../../src/sync/service/couplings.ts';
import { createInCrm } from '../../src/sync/service/create-in.ts';
import { matchBasedCoupling } from '../../src/sync/service/match-based-coupling.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

let fx: SyncFixture;
const ids: Record<string, string> = {};

before(async () => {
  fx = await startSyncFixture();
  const one = async (sql: string, params: unknown[] = []) =>
    (await fx.db.query<{ id: string }>(sql, params)).rows[0]?.id;
  await fx.db.query(
    `INSERT INTO erp.units_of_measure (code, display_name) VALUES ('PCS', 'Piece'), ('BOX', 'Box'), ('HOUR', 'Hour')`,
  );
  ids.item =
    (await one(`INSERT INTO erp.items (number, display_name, base_unit_of_measure_code, unit_price, unit_cost)
    VALUES ('1000', 'Bicycle', 'PCS', 499.5, 350) RETURNING id`))!;
  await fx.db.query(
    `INSERT INTO erp.item_units_of_measure (item_number, code, qty_per_unit_of_measure) VALUES ('1000', 'PCS', 1), ('1000', 'BOX', 10)`,
  );
  ids.resource =
    (await one(`INSERT INTO erp.resources (number, display_name, base_unit_of_measure_code, unit_price, capacity)
    VALUES ('R1', 'Consultant', 'HOUR', 120, 160) RETURNING id`))!;
  await fx.db.query(
    `INSERT INTO erp.resource_units_of_measure (resource_number, code, qty_per_unit_of_measure) VALUES ('R1', 'HOUR', 1)`,
  );
  await fx.db.query(
    `INSERT INTO erp.customer_price_groups (code, display_name) VALUES ('RETAIL', 'Retail')`,
  );
  ids.price =
    (await one(`INSERT INTO erp.sales_prices (item_number, sales_type, sales_code, unit_of_measure_code, unit_price)
    VALUES ('1000', 'Customer Price Group', 'RETAIL', 'PCS', 449) RETURNING id`))!;
  await fx.db.query(
    `INSERT INTO erp.currencies (code, display_name, symbol) VALUES ('GBP', 'US Dollar', '$')`,
  );
  await fx.db.query(`INSERT INTO erp.currency_exchange_rates (currency_code, starting_date, exchange_rate_amount, relational_exchange_rate_amount)
    VALUES ('GBP', '2020-01-01', 108, 100)`);
  ids.customer = (await one(
    `INSERT INTO erp.customers (number, display_name, currency_code) VALUES ('C50000', 'Contoso UK', 'GBP') RETURNING id`,
  ))!;
});
after(async () => {
  await fx?.close();
});

const crm = async <T>(set: string, id: string) => {
  const r = await fx.client.retrieve<T>(set, id);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
};
const crmIdOf = async (erpId: string, mapping: string) =>
  (
    await fx.db.query<{ crm_id: string }>(
      "SELECT crm_id FROM integration.couplings WHERE erp_id = $1 AND mapping_name = $2 AND state = 'coupled'",
      [erpId, mapping],
    )
  ).rows[0]?.crm_id;

test('items and resources couple with products only after their units are coupled with unit groups', async () => {
  const early = await createInCrm(fx.ctx, fx.mapping('ITEM-PRODUCT'), [ids.item!]);
  assert.equal(early.created.length, 0);
  assert.match(
    early.failed[0]!.message,
    /unitGroups 'ITEM1000' \(mapping UNIT GROUP\) must be coupled/,
  );
  const product = await fx.user.create('products', { name: 'Bike', productnumber: '1000' });
  assert.ok(product.ok);
  const refused = await couple(
    fx.db,
    { erp: fx.ctx.erp, crm: fx.ctx.crm },
    fx.mapping('ITEM-PRODUCT'),
    ids.item!,
    product.value.id,
  );
  assert.equal(refused.ok, false);
  if (!refused.ok)
    assert.match(refused.error.message, /Couple unitGroups 'ITEM1000' \(mapping UNIT GROUP\)/);

  const groups = await matchBasedCoupling(fx.ctx, fx.mapping('UNIT GROUP'));
  assert.equal(groups.created, 2, 'one unit group per item and per resource');
  const itemUnits = await matchBasedCoupling(fx.ctx, fx.mapping('ITEM UOM'));
  assert.equal(itemUnits.created, 2);
  const resourceUnits = await matchBasedCoupling(fx.ctx, fx.mapping('RESOURCE UOM'));
  assert.equal(resourceUnits.created, 1);

  const item = await createInCrm(fx.ctx, fx.mapping('ITEM-PRODUCT'), [ids.item!]);
  assert.deepEqual(item.failed, []);
  const p = await crm<Record<string, unknown>>('products', item.created[0]!.crmId);
  assert.equal(p.name, 'Bicycle');
  assert.equal(p.productnumber, '1000');
  assert.equal(Number(p.price), 499.5);
  assert.equal(Number(p.standardcost), 350);
  assert.equal(p.producttypecode, 1);
  const group = await crm<{ name: string }>('uomschedules', String(p._defaultuomscheduleid_value));
  assert.equal(group.name, 'ITEM1000');
  const unit = await crm<{ name: string; quantity: number }>('uoms', String(p._defaultuomid_value));
  assert.equal(unit.name, 'PCS');

  const resource = await createInCrm(fx.ctx, fx.mapping('RESOURCE-PRODUCT'), [ids.resource!]);
  assert.deepEqual(resource.failed, []);
  const r = await crm<Record<string, unknown>>('products', resource.created[0]!.crmId);
  assert.equal(r.producttypecode, 3, 'resources are services');
  assert.equal(Number(r.quantityonhand), 160);
});

test('prices synchronize only after customer price groups are coupled with price lists', async () => {
  const early = await runMapping(fx.ctx, fx.mapping('SALESPRC-PRODPRICE'));
  assert.equal(early[0]!.counters.failed, 1, JSON.stringify(early));
  const err = await fx.db.query<{ message: string }>(
    'SELECT message FROM integration.sync_errors WHERE job_id = $1',
    [early[0]!.jobId],
  );
  assert.match(
    err.rows[0]!.message,
    /customerPriceGroups 'RETAIL' \(mapping CUSTPRCGRP-PRICE\) must be coupled/,
  );

  const group = (
    await fx.db.query<{ id: string }>(
      "SELECT id FROM erp.customer_price_groups WHERE code = 'RETAIL'",
    )
  ).rows[0]!.id;
  const lists = await createInCrm(fx.ctx, fx.mapping('CUSTPRCGRP-PRICE'), [group]);
  assert.equal(
    lists.created.length,
    1,
    JSON.stringify(
      (await fx.db.query('SELECT message FROM integration.sync_errors ORDER BY id DESC LIMIT 3'))
        .rows,
    ),
  );
  const retried = await runMapping(fx.ctx, fx.mapping('SALESPRC-PRODPRICE'));
  assert.equal(retried[0]!.counters.inserted, 1, 'the failed price comes back from the retry set');
  const ppl = await crm<Record<string, unknown>>(
    'productpricelevels',
    (await crmIdOf(ids.price!, 'SALESPRC-PRODPRICE'))!,
  );
  assert.equal(Number(ppl.amount), 449);
  assert.equal(ppl._productid_value, await crmIdOf(ids.item!, 'ITEM-PRODUCT'));
  const unit = await crm<{ name: string }>('uoms', String(ppl._uomid_value));
  assert.equal(unit.name, 'PCS');
  const list = await crm<{ name: string }>('pricelevels', String(ppl._pricelevelid_value));
  assert.equal(list.name, 'RETAIL');
});

test('a customer in a foreign currency needs its currency coupled first', async () => {
  const early = await createInCrm(fx.ctx, fx.mapping('CUSTOMER'), [ids.customer!]);
  assert.equal(early.created.length, 0);
  assert.match(early.failed[0]!.message, /currencies 'GBP' \(mapping CURRENCY\) must be coupled/);
  const currencies = await matchBasedCoupling(fx.ctx, fx.mapping('CURRENCY'));
  assert.equal(
    currencies.created,
    1,
    JSON.stringify(
      (await fx.db.query('SELECT message FROM integration.sync_errors ORDER BY id DESC LIMIT 3'))
        .rows,
    ),
  );
  const usd = await crm<{ isocurrencycode: string; exchangerate: number }>(
    'transactioncurrencies',
    (await crmIdOf(
      (
        await fx.db.query<{ id: string }>("SELECT id FROM erp.currencies WHERE code = 'GBP'")
      ).rows[0]!.id,
      'CURRENCY',
    ))!,
  );
  assert.equal(usd.isocurrencycode, 'GBP');
  assert.equal(Number(usd.exchangerate), 1.08);
  const customer = await createInCrm(fx.ctx, fx.mapping('CUSTOMER'), [ids.customer!]);
  assert.deepEqual(customer.failed, []);
  const a = await crm<{ _transactioncurrencyid_value: string }>(
    'accounts',
    customer.created[0]!.crmId,
  );
  assert.equal(
    a._transactioncurrencyid_value,
    await crmIdOf(
      (await fx.db.query<{ id: string }>("SELECT id FROM erp.currencies WHERE code = 'GBP'"))
        .rows[0]!.id,
      'CURRENCY',
    ),
  );
});

test('one record the CRM rejects never blocks the others written in the same $batch', async () => {
  await fx.db.query(
    `INSERT INTO erp.currencies (code, display_name, symbol) VALUES ('SEK', 'Swedish Krona', 'kr')`,
  );
  const sek = (
    await fx.db.query<{ id: string }>("SELECT id FROM erp.currencies WHERE code = 'SEK'")
  ).rows[0]!.id;
  await createInCrm(fx.ctx, fx.mapping('CURRENCY'), [sek]);
  const sekCrm = (await crmIdOf(sek, 'CURRENCY'))!;
  assert.ok(
    (await fx.user.delete('transactioncurrencies', sekCrm)).ok,
    'the currency disappears in the CRM',
  );
  const rows = await fx.db.query<{ id: string; number: string }>(
    `INSERT INTO erp.customers (number, display_name, currency_code)
     VALUES ('B1', 'Batch one', NULL), ('B2', 'Batch two (SEK)', 'SEK'), ('B3', 'Batch three', NULL) RETURNING id, number`,
  );
  const report = await createInCrm(
    fx.ctx,
    fx.mapping('CUSTOMER'),
    rows.rows.map((r) => r.id),
  );
  const byNumber = new Map(rows.rows.map((r) => [r.id, r.number]));
  assert.deepEqual(report.created.map((c) => byNumber.get(c.erpId)).sort(), ['B1', 'B3']);
  assert.equal(report.failed.length, 1);
  assert.equal(byNumber.get(report.failed[0]!.id), 'B2');
  assert.match(report.failed[0]!.message, /Creating account failed because of the following error/);
});
