import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Db } from '../../src/db/db.ts';
import { erpPort } from '../../src/integration/adapters/erp-port.ts';
import { defaultMappings } from '../../src/sync/mappings/default-mappings.ts';
import { validateMapping } from '../../src/sync/mappings/validate-mapping.ts';
import { dependenciesOf } from '../../src/sync/model.ts';

// fields() reads the ERP's entity catalogue only; no database is touched.
const erp = erpPort(undefined as unknown as Db);

for (const options of [
  { ownershipModel: 'Person', unitGroupMapping: true, salesOrderIntegration: true },
  { ownershipModel: 'Team', unitGroupMapping: false, salesOrderIntegration: false },
] as const) {
  test(`every default mapping is valid against the ERP's tables (${JSON.stringify(options)})`, () => {
    const mappings = defaultMappings(options);
    const names = mappings.map((m) => m.name);
    for (const m of mappings) {
      const issues = validateMapping(m, {
        erpFields: (t) => erp.fields(t),
        crmColumns: () => undefined,
        mappingNames: names,
      });
      assert.deepEqual(
        issues,
        [],
        `${m.name}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      );
      assert.ok(erp.fields(m.erpTable), `${m.name}: the ERP has a table ${m.erpTable}`);
    }
  });
}

test('the Person model adds owner fields and SALESPEOPLE; the Team model leaves both out', () => {
  const person = defaultMappings({
    ownershipModel: 'Person',
    unitGroupMapping: true,
    salesOrderIntegration: true,
  });
  const team = defaultMappings({
    ownershipModel: 'Team',
    unitGroupMapping: true,
    salesOrderIntegration: true,
  });
  const customer = (list: typeof person) => list.find((m) => m.name === 'CUSTOMER')!;
  assert.ok(person.some((m) => m.name === 'SALESPEOPLE'));
  assert.ok(!team.some((m) => m.name === 'SALESPEOPLE'));
  assert.ok(customer(person).fields.some((f) => f.crmField === 'ownerid' && f.notNull));
  assert.ok(!customer(team).fields.some((f) => f.crmField === 'ownerid'));
  assert.ok(dependenciesOf(customer(person)).includes('SALESPEOPLE'));
  assert.ok(!dependenciesOf(customer(team)).includes('SALESPEOPLE'));
});

test('unit group mapping switches UNIT OF MEASURE for UNIT GROUP, ITEM UOM and RESOURCE UOM', () => {
  const on = defaultMappings({
    ownershipModel: 'Person',
    unitGroupMapping: true,
    salesOrderIntegration: true,
  }).map((m) => m.name);
  const off = defaultMappings({
    ownershipModel: 'Person',
    unitGroupMapping: false,
    salesOrderIntegration: false,
  }).map((m) => m.name);
  assert.ok(
    on.includes('UNIT GROUP') &&
      on.includes('ITEM UOM') &&
      on.includes('RESOURCE UOM') &&
      !on.includes('UNIT OF MEASURE'),
  );
  assert.ok(off.includes('UNIT OF MEASURE') && !off.includes('UNIT GROUP'));
  assert.ok(
    !off.includes('SALESORDER-ORDER'),
    'SALESORDER-ORDER exists only with sales order integration',
  );
});

test('dependencies always point at mappings listed earlier (the full-sync order)', () => {
  const mappings = defaultMappings({
    ownershipModel: 'Person',
    unitGroupMapping: true,
    salesOrderIntegration: true,
  });
  mappings.forEach((m, i) => {
    for (const dep of dependenciesOf(m)) {
      const at = mappings.findIndex((x) => x.name === dep);
      assert.ok(at >= 0 && at < i, `${m.name} depends on ${dep}, which must come first`);
    }
  });
});

test('every CRM column of the default mappings exists in Dynamics 365 Sales as the emulator serves it', async () => {
  const { entityByName } = await import('../../src/crm-emulator/catalogue/index.ts');
  const mappings = defaultMappings({
    ownershipModel: 'Person',
    unitGroupMapping: true,
    salesOrderIntegration: true,
  });
  for (const m of mappings.filter((x) => !x.isOptionMapping)) {
    const entity = entityByName(m.crmEntity);
    assert.ok(entity, `${m.name}: no CRM table ${m.crmEntity}`);
    const columns = new Set([
      ...Object.keys(entity.columns),
      entity.primaryKey,
      'ownerid',
      // A polymorphic lookup's target type: written with the lookup, never stored on its own.
      'owneridtype',
      'parentcustomeridtype',
      'statecode',
      'statuscode',
    ]);
    for (const f of m.fields) {
      if (f.crmField)
        assert.ok(columns.has(f.crmField), `${m.name}: ${m.crmEntity} has no column ${f.crmField}`);
    }
    for (const c of m.crmFilter)
      assert.ok(columns.has(c.field), `${m.name}: filter on unknown column ${c.field}`);
  }
});
