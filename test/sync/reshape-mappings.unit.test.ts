import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultMappings } from '../../src/sync/mappings/default-mappings.ts';
import { reshapeMappings } from '../../src/sync/mappings/reshape-mappings.ts';
import type { TableMapping } from '../../src/sync/model.ts';

const person = {
  ownershipModel: 'Person',
  unitGroupMapping: true,
  salesOrderIntegration: true,
} as const;
const team = { ...person, ownershipModel: 'Team' } as const;

/** Applies a reshape to a list of mappings, as the connection service does. */
function apply(current: TableMapping[], r: ReturnType<typeof reshapeMappings>): TableMapping[] {
  const kept = current.filter((m) => !r.remove.includes(m.name));
  const byName = new Map(kept.map((m) => [m.name, m]));
  for (const s of r.save) byName.set(s.mapping.name, s.mapping);
  return [...byName.values()];
}

const ownerFields = (m: TableMapping | undefined) =>
  (m?.fields ?? []).filter((f) => f.crmField === 'ownerid' || f.crmField === 'owneridtype');

test('switching the ownership model to Team drops SALESPEOPLE, owner fields and the dependency on it', () => {
  const current = defaultMappings(person);
  const edited = current.map((m) =>
    m.name === 'CUSTOMER' ? { ...m, updateConflict: 'SendUpdate' as const } : m,
  );
  const after = apply(edited, reshapeMappings(edited, person, team));
  assert.ok(!after.some((m) => m.name === 'SALESPEOPLE'));
  for (const m of after) {
    assert.deepEqual(ownerFields(m), [], `${m.name} has no owner fields`);
    assert.ok(!m.dependencyFilter.includes('SALESPEOPLE'), `${m.name}: ${m.dependencyFilter}`);
    assert.deepEqual(
      m.fields.map((f) => f.position),
      m.fields.map((_, i) => i + 1),
    );
  }
  const customer = after.find((m) => m.name === 'CUSTOMER')!;
  assert.equal(customer.updateConflict, 'SendUpdate', "the user's own change is kept");
  assert.equal(customer.dependencyFilter, 'CURRENCY|PAYMENT TERMS|SHIPMENT METHOD|SHIPPING AGENT');
});

test('switching back to Person restores them as the defaults have them', () => {
  const teamSet = defaultMappings(team);
  const after = apply(teamSet, reshapeMappings(teamSet, team, person));
  const defaults = defaultMappings(person);
  assert.deepEqual(after.map((m) => m.name).sort(), defaults.map((m) => m.name).sort());
  for (const d of defaults) {
    const m = after.find((x) => x.name === d.name)!;
    assert.equal(m.dependencyFilter, d.dependencyFilter, d.name);
    assert.deepEqual(
      ownerFields(m).map((f) => [f.crmField, f.erpField ?? null, f.notNull]),
      ownerFields(d).map((f) => [f.crmField, f.erpField ?? null, f.notNull]),
      d.name,
    );
  }
});

test('the sales-order switch adds and removes SALESORDER-ORDER; nothing changes without a switch change', () => {
  const without = { ...person, salesOrderIntegration: false } as const;
  const current = defaultMappings(without);
  assert.ok(!current.some((m) => m.name === 'SALESORDER-ORDER'));
  const on = reshapeMappings(current, without, person);
  assert.deepEqual(
    on.save.map((s) => s.mapping.name),
    ['SALESORDER-ORDER'],
  );
  const off = reshapeMappings(defaultMappings(person), person, without);
  assert.deepEqual(off.remove, ['SALESORDER-ORDER']);
  assert.deepEqual(reshapeMappings(current, without, without), { save: [], remove: [] });
});

test('switching item availability off and on removes and restores Inventory → quantityonhand', () => {
  const current = defaultMappings(person);
  const hasStock = (ms: TableMapping[]) =>
    ms.find((m) => m.name === 'ITEM-PRODUCT')!.fields.some((f) => f.crmField === 'quantityonhand');
  assert.ok(hasStock(current));
  const off = { ...person, itemAvailability: false };
  const without = apply(current, reshapeMappings(current, person, off));
  assert.ok(!hasStock(without));
  assert.ok(hasStock(apply(without, reshapeMappings(without, off, person))));
});
