import type { Queryable } from '../../db/db.ts';
import { getEntity } from '../../erp/public-api.ts';

/** The ERP record a CRM row is coupled to (any mapping), or undefined. */
export async function erpRecordFor(
  db: Queryable,
  crmEntity: string,
  crmId: string,
): Promise<{ erpTable: string; erpId: string; mapping: string } | undefined> {
  const r = await db.query<{ erp_table: string; erp_id: string; mapping_name: string }>(
    `SELECT erp_table, erp_id, mapping_name FROM integration.couplings
      WHERE crm_entity = $1 AND crm_id = $2 AND state = 'coupled'`,
    [crmEntity, crmId],
  );
  const row = r.rows[0];
  return row
    ? { erpTable: row.erp_table, erpId: row.erp_id, mapping: row.mapping_name }
    : undefined;
}

/** The CRM row an ERP record is coupled to, or undefined. */
export async function crmRecordFor(
  db: Queryable,
  erpTable: string,
  erpId: string,
): Promise<{ crmEntity: string; crmId: string; couplingId: string } | undefined> {
  const r = await db.query<{ crm_entity: string; crm_id: string; id: string }>(
    `SELECT crm_entity, crm_id, id FROM integration.couplings
      WHERE erp_table = $1 AND erp_id = $2 AND state = 'coupled'`,
    [erpTable, erpId],
  );
  const row = r.rows[0];
  return row ? { crmEntity: row.crm_entity, crmId: row.crm_id, couplingId: row.id } : undefined;
}

/** A field (e.g. `number`, `code`) of the ERP record a CRM row is coupled to. */
export async function coupledErpField(
  db: Queryable,
  crmEntity: string,
  crmId: string,
  erpTable: string,
  field: string,
): Promise<string | undefined> {
  const c = await erpRecordFor(db, crmEntity, crmId);
  if (!c || c.erpTable !== erpTable) return undefined;
  const rec = await getEntity(db, erpTable, c.erpId);
  return rec.ok ? (rec.value[field] as string | undefined) : undefined;
}

/**
 * The ERP code an option-set value stands for through an option mapping (PAYMENT TERMS, SHIPMENT
 * METHOD, SHIPPING AGENT); undefined when the value is not coupled.
 */
export async function optionCode(
  db: Queryable,
  mapping: string,
  erpTable: string,
  value: unknown,
): Promise<string | undefined> {
  if (typeof value !== 'number') return undefined;
  const r = await db.query<{ erp_id: string }>(
    'SELECT erp_id FROM integration.option_couplings WHERE mapping_name = $1 AND option_value = $2',
    [mapping, value],
  );
  const id = r.rows[0]?.erp_id;
  if (!id) return undefined;
  const rec = await getEntity(db, erpTable, id);
  return rec.ok ? (rec.value['code'] as string | undefined) : undefined;
}
