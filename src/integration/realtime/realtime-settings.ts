import type { Queryable } from '../../db/db.ts';
import { entities } from '../../erp/catalog/catalog.ts';
import { masterEntities } from '../../erp/catalog/master-data-entities.ts';
import { type Direction, mappingCovers } from '../../sync/model.ts';

/** What the real-time path needs to know of a mapping. */
export interface RealtimeMapping {
  readonly name: string;
  /** ERP entity set (`customers`) and the table name its change notifications carry (no schema). */
  readonly erpTable: string;
  readonly erpSqlTable: string | undefined;
  /** Dataverse table (logical name). */
  readonly crmEntity: string;
  readonly direction: Direction;
  /** ERP → CRM changes are picked up by notification. */
  readonly toCrm: boolean;
  /** CRM → ERP changes are picked up by polling change tracking. */
  readonly toErp: boolean;
  /** The stored switch, or the default when never set. */
  readonly realtime: boolean;
  /** True when `realtime` is the default, not a choice someone made. */
  readonly isDefault: boolean;
  readonly crmWatermark: string | null;
  /** Null until the mapping's first ERP → CRM run. */
  readonly erpWatermark: number | null;
}

const masterSets = new Set(masterEntities.map((e) => e.set));

/**
 * On by default for master data (customers, items, prices…): those are what users edit and expect
 * to see on the other side at once. Documents have their own flows and stay on the schedule.
 */
export const realtimeByDefault = (erpTable: string): boolean => masterSets.has(erpTable);

interface Row {
  name: string;
  erp_table: string;
  crm_entity: string;
  direction: Direction;
  realtime: boolean | null;
  crm_watermark: string | null;
  erp_watermark: string | null;
}

/** Every mapping with its real-time switch (stored or default) and CRM watermark. */
export async function listRealtimeMappings(db: Queryable): Promise<RealtimeMapping[]> {
  const r = await db.query<Row>(
    `SELECT name, erp_table, crm_entity, direction, realtime, crm_watermark, erp_watermark
       FROM integration.table_mappings ORDER BY position, name`,
  );
  return r.rows.map((row) => ({
    name: row.name,
    erpTable: row.erp_table,
    erpSqlTable: entities.get(row.erp_table)?.table.replace(/^erp\./, ''),
    crmEntity: row.crm_entity,
    direction: row.direction,
    toCrm: mappingCovers(row.direction, 'ToIntegrationTable'),
    toErp: mappingCovers(row.direction, 'FromIntegrationTable'),
    realtime: row.realtime ?? realtimeByDefault(row.erp_table),
    isDefault: row.realtime === null,
    crmWatermark: row.crm_watermark,
    erpWatermark: row.erp_watermark === null ? null : Number(row.erp_watermark),
  }));
}

/** Sets a mapping's switch (`null` goes back to the default); false when there is no such mapping. */
export async function setRealtime(
  db: Queryable,
  mapping: string,
  enabled: boolean | null,
): Promise<boolean> {
  const r = await db.query('UPDATE integration.table_mappings SET realtime = $2 WHERE name = $1', [
    mapping,
    enabled,
  ]);
  return (r.rowCount ?? 0) > 0;
}
