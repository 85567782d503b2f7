import type { Db, Queryable } from '../../db/db.ts';
import { entities } from '../../erp/catalog/catalog.ts';
import { masterEntities } from '../../erp/catalog/master-data-entities.ts';
import { fail, ok, type Result } from '../../shared/result.ts';
import { noSuchMapping } from '../../sync/mappings/mapping-name.ts';
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

/** What switching a mapping's real-time propagation did, in words. */
export interface RealtimeSwitch {
  readonly mapping: string;
  readonly realtime: boolean;
  readonly was: boolean;
  /** False when it already was so: nothing was written. */
  readonly changed: boolean;
  readonly message: string;
}

/**
 * Turns a mapping's real-time propagation on or off (the web UI's toggle, `kobling mappings
 * realtime`). One that already was so is left as it is, and the answer says so.
 */
export async function switchRealtime(
  db: Db,
  mapping: string,
  on: boolean,
): Promise<Result<RealtimeSwitch>> {
  return db.transaction(async (tx) => {
    const r = await tx.query<{
      name: string;
      erp_table: string;
      realtime: boolean | null;
      job_enabled: boolean;
      job_interval_minutes: number;
    }>(
      `SELECT name, erp_table, realtime, job_enabled, job_interval_minutes
         FROM integration.table_mappings WHERE name = $1 FOR UPDATE`,
      [mapping],
    );
    const m = r.rows[0];
    if (!m) return fail(await noSuchMapping(tx, mapping));
    const was = m.realtime ?? realtimeByDefault(m.erp_table);
    const state = (v: boolean) => (v ? 'on' : 'off');
    if (was === on)
      return ok({
        mapping: m.name,
        realtime: on,
        was,
        changed: false,
        message: `Real-time propagation of ${m.name} was already ${state(on)}${m.realtime === null ? ' (the default for this table)' : ''}; nothing changed.`,
      });
    await setRealtime(tx, m.name, on);
    // Running workers read the switches every 5 s (realtime-service.ts): say when it takes effect.
    const after = on
      ? 'running workers carry its changes within seconds (from within 5 s on); the scheduled job stays as the safety net'
      : m.job_enabled
        ? `within 5 s running workers stop carrying its changes, which then wait for its scheduled job (every ${m.job_interval_minutes} min)`
        : 'within 5 s running workers stop carrying its changes, which then wait for a manual run: its scheduled job is off too';
    return ok({
      mapping: m.name,
      realtime: on,
      was,
      changed: true,
      message: `Real-time propagation of ${m.name} is now ${state(on)} (it was ${state(was)}): ${after}.`,
    });
  });
}
