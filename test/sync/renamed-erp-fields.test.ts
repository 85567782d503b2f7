import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defaultMappings } from '../../src/sync/mappings/default-mappings.ts';
import { getMapping, saveMapping } from '../../src/sync/mappings/mapping-repo.ts';
import { createMigratedDb } from '../helpers/database.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;
before(async () => {
  db = await createMigratedDb('renamed_erp_fields');
});
after(async () => {
  await db?.drop();
});

test("a mapping stored under the ERP's old address field names reads them under BC's names", async () => {
  const invoices = defaultMappings({
    ownershipModel: 'Person',
    unitGroupMapping: false,
    salesOrderIntegration: true,
  }).find((m) => m.name === 'POSTEDSALESINV-INV')!;
  await saveMapping(db, invoices, 1);
  // As an installation made before the rename has it.
  const old = await db.query(
    `UPDATE integration.field_mappings SET erp_field = replace(erp_field, 'PostCode', 'PostalCode')
      WHERE mapping_name = 'POSTEDSALESINV-INV' AND erp_field LIKE '%PostCode'`,
  );
  assert.equal(old.rowCount, 2);
  const read = await getMapping(db, 'POSTEDSALESINV-INV');
  const byCrm = new Map(read!.fields.map((f) => [f.crmField, f.erpField]));
  assert.equal(byCrm.get('shipto_postalcode'), 'shipToPostCode');
  assert.equal(byCrm.get('billto_postalcode'), 'billToPostCode');
  assert.equal(
    read!.fields.some((f) => f.erpField?.endsWith('PostalCode')),
    false,
  );
});
