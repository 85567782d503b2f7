import type { Queryable } from '../db/db.ts';
import { listMappings } from '../sync/mappings/mapping-repo.ts';
import { MOVED_LINE_MESSAGE } from './full-sync/full-sync-lines.ts';
import { hasOwnLine } from './full-sync/recommendation.ts';

/** How many rows of each kind a move set aside for the old organization or restored for the new. */
export interface OrganizationRows {
  readonly couplings: number;
  readonly optionCouplings: number;
  readonly conflicts: number;
  readonly fullSyncLines: number;
  /** Rows of the tables later parts registered (migration sync 031), by their label; only the
   * tables that had any. */
  readonly others?: readonly { readonly label: string; readonly rows: number }[];
}

/** What moving the integration's rows from one organization to another did. */
export interface OrganizationSwap {
  readonly setAside: OrganizationRows;
  readonly restored: OrganizationRows;
  /** Whether `to` had rows set aside (the connection went back to it) or is new to the integration. */
  readonly returned: boolean;
  /** Review lines written afresh (an organization new to the integration): one per mapping. */
  readonly freshLines: number;
}

/**
 * The tables whose rows belong to one organization, in the order they are restored (a conflict
 * needs its coupling back first). `mappingBound`: the row has a foreign key to its mapping, so it
 * comes back only while the mapping still exists.
 */
const TABLES = [
  { table: 'couplings', mappingBound: false },
  { table: 'conflicts', mappingBound: true },
  { table: 'conflict_baselines', mappingBound: false },
  { table: 'option_couplings', mappingBound: false },
  { table: 'full_sync_lines', mappingBound: true },
  // Creates a cut-off run sent to that organization: settled when the connection is back there.
  { table: 'crm_create_journal', mappingBound: true },
] as const;

/** A table a later part registered as belonging to the organization (the flows' pickups). */
interface RegisteredTable {
  readonly table: string;
  readonly label: string;
}

/**
 * The registered tables (`organization_set_aside_kinds` rows of other parts than sync): set aside
 * whole and restored after the integration's own, with no mapping to wait for. A name is checked
 * against the catalogue, so a registration of a missing table fails the move rather than being
 * passed over.
 */
async function registeredTables(tx: Queryable): Promise<RegisteredTable[]> {
  const r = await tx.query<{ kind: string; label: string; present: boolean }>(
    `SELECT k.kind, k.label, to_regclass('integration.' || quote_ident(k.kind)) IS NOT NULL AS present
       FROM integration.organization_set_aside_kinds k
      WHERE k.registered_by <> 'sync' ORDER BY k.kind`,
  );
  const missing = r.rows.find((k) => !k.present);
  if (missing)
    throw new Error(
      `integration.${missing.kind} is registered as set aside by organization but does not exist`,
    );
  return r.rows.map((k) => ({ table: k.kind, label: k.label }));
}

/**
 * Moves the integration's organization-bound rows aside for `from` and puts back what was set
 * aside for `to`, inside the caller's transaction (which must hold every mapping's and every
 * recurring job's lock): couplings, their conflicts and baselines, option couplings, full
 * synchronization lines, each mapping's ERP watermark, the recurring jobs' ERP cursors (how far
 * ERP changes reached that organization) and the tables later parts registered (the flows' pickups
 * of CRM orders and quotes and their ERP event receipts). CRM watermarks are cleared and never restored: a delta
 * token kept aside may have expired by the time the connection returns, while reading the
 * organization's tables once in full is always right (coupled records whose version did not change
 * are unchanged). The ERP watermark stays in place for an organization seen for the first time —
 * regular runs then send only new ERP changes, never everything without matching; the full
 * synchronization the fresh review lines recommend clears it when it runs. The recurring jobs
 * start over there: posted invoices are created only for coupled customers, and the invoice job
 * waits for CUSTOMER's full synchronization (src/flows/posted-invoices/posted-invoices-job.ts). In
 * such a new organization every mapping gets a review line that recommends synchronizing in full,
 * unless the integration had nothing for the old one either.
 */
export async function swapOrganizationRows(
  tx: Queryable,
  from: string,
  to: string,
): Promise<OrganizationSwap> {
  const seen = await tx.query(
    'SELECT 1 FROM integration.organization_set_aside WHERE organization_id = $1 LIMIT 1',
    [to],
  );
  const returned = (seen.rowCount ?? 0) > 0;
  const synchronized = await tx.query(
    `SELECT 1 FROM integration.table_mappings
      WHERE erp_watermark IS NOT NULL OR crm_watermark IS NOT NULL LIMIT 1`,
  );
  const registered = await registeredTables(tx);
  const setAside = await setAsideFor(tx, from, registered);
  const restored = await restoreFor(tx, to, registered);
  const heldAnything =
    (synchronized.rowCount ?? 0) > 0 || Object.values(setAside).some((n) => n > 0);
  // Back in an organization it knew, the integration continues from its restored watermarks and
  // lines; only an organization new to it, after one it had synchronized with, needs everything
  // synchronized (an installation that never synchronized starts as any new one does).
  const freshLines = returned || !heldAnything ? 0 : await writeFreshLines(tx);
  return { setAside, restored, returned, freshLines };
}

async function setAsideFor(
  tx: Queryable,
  organizationId: string,
  registered: readonly RegisteredTable[],
): Promise<OrganizationRows> {
  const counts: Partial<Record<string, number>> = {};
  for (const { table } of [...TABLES, ...registered]) {
    const r = await tx.query(
      `INSERT INTO integration.organization_set_aside (organization_id, kind, row)
       SELECT $1, $2, to_jsonb(t) FROM integration.${table} t`,
      [organizationId, table],
    );
    counts[table] = r.rowCount ?? 0;
  }
  await tx.query(
    `INSERT INTO integration.organization_set_aside (organization_id, kind, row)
     SELECT $1, 'watermarks', jsonb_build_object('name', name, 'erp', erp_watermark)
       FROM integration.table_mappings`,
    [organizationId],
  );
  // The recurring jobs' ERP cursors (posted invoices sent, statistics and payments reported) say
  // how far ERP changes reached this organization, like the watermarks; the next one starts from
  // the beginning: its invoices are created there and its statistics uploaded once couplings exist.
  await tx.query(
    `INSERT INTO integration.organization_set_aside (organization_id, kind, row)
     SELECT $1, 'recurring_job_states', jsonb_build_object('name', name, 'state', state)
       FROM integration.recurring_jobs WHERE state <> '{}'::jsonb`,
    [organizationId],
  );
  await tx.query(
    `UPDATE integration.recurring_jobs SET state = '{}', next_run_at = NULL, updated_at = now()
      WHERE state <> '{}'::jsonb`,
  );
  // Children first: conflicts and baselines would go with their couplings anyway (cascade).
  for (const { table } of [...TABLES].reverse()) await tx.query(`DELETE FROM integration.${table}`);
  for (const { table } of registered) await tx.query(`DELETE FROM integration.${table}`);
  await tx.query('UPDATE integration.table_mappings SET crm_watermark = NULL');
  return rowsOf(counts, registered);
}

async function restoreFor(
  tx: Queryable,
  organizationId: string,
  registered: readonly RegisteredTable[],
): Promise<OrganizationRows> {
  const counts: Partial<Record<string, number>> = {};
  for (const { table, mappingBound } of [
    ...TABLES,
    ...registered.map((r) => ({ table: r.table, mappingBound: false })),
  ]) {
    const columns = (await writableColumns(tx, table)).join(', ');
    const r = await tx.query(
      `INSERT INTO integration.${table} (${columns})
       SELECT ${columns} FROM integration.organization_set_aside s,
              jsonb_populate_record(NULL::integration.${table}, s.row) r
        WHERE s.organization_id = $1 AND s.kind = $2${
          mappingBound
            ? ' AND EXISTS (SELECT 1 FROM integration.table_mappings m WHERE m.name = r.mapping_name)'
            : ''
        }`,
      [organizationId, table],
    );
    counts[table] = r.rowCount ?? 0;
  }
  await tx.query(
    `UPDATE integration.table_mappings m
        SET erp_watermark = (s.row->>'erp')::bigint
       FROM integration.organization_set_aside s
      WHERE s.organization_id = $1 AND s.kind = 'watermarks' AND m.name = s.row->>'name'`,
    [organizationId],
  );
  await tx.query(
    `UPDATE integration.recurring_jobs j SET state = s.row->'state', next_run_at = NULL, updated_at = now()
       FROM integration.organization_set_aside s
      WHERE s.organization_id = $1 AND s.kind = 'recurring_job_states' AND j.name = s.row->>'name'`,
    [organizationId],
  );
  await tx.query('DELETE FROM integration.organization_set_aside WHERE organization_id = $1', [
    organizationId,
  ]);
  return rowsOf(counts, registered);
}

/**
 * A table's columns that can be written (not generated), from the catalogue, quoted. The names
 * come from PostgreSQL itself, never from input.
 */
async function writableColumns(tx: Queryable, table: string): Promise<string[]> {
  const r = await tx.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
      WHERE table_schema = 'integration' AND table_name = $1 AND is_generated = 'NEVER'
      ORDER BY ordinal_position`,
    [table],
  );
  return r.rows.map((c) => `"${c.column_name.replaceAll('"', '""')}"`);
}

/**
 * Every mapping that gets a review line gets one recommending a synchronization with matching
 * first; *Start* (or the refresh right after the move) counts both sides and settles
 * the recommendation.
 */
async function writeFreshLines(tx: Queryable): Promise<number> {
  const mappings = (await listMappings(tx)).filter(hasOwnLine);
  let written = 0;
  for (const [i, m] of mappings.entries()) {
    const r = await tx.query(
      `INSERT INTO integration.full_sync_lines
         (mapping_name, position, dependency_filter, direction, recommendation, message)
       VALUES ($1, $2, $3, $4, 'CoupleRecords', $5) ON CONFLICT (mapping_name) DO NOTHING`,
      [m.name, i + 1, m.dependencyFilter, m.direction, MOVED_LINE_MESSAGE],
    );
    written += r.rowCount ?? 0;
  }
  return written;
}

const rowsOf = (
  c: Partial<Record<string, number>>,
  registered: readonly RegisteredTable[],
): OrganizationRows => {
  const others = registered
    .map((r) => ({ label: r.label, rows: c[r.table] ?? 0 }))
    .filter((r) => r.rows > 0);
  return {
    couplings: c.couplings ?? 0,
    optionCouplings: c.option_couplings ?? 0,
    conflicts: c.conflicts ?? 0,
    fullSyncLines: c.full_sync_lines ?? 0,
    ...(others.length > 0 ? { others } : {}),
  };
};

/** Whether anything the integration holds belongs to an organization (so a move matters). */
export async function holdsOrganizationRows(db: Queryable): Promise<boolean> {
  const r = await db.query<{ held: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM integration.couplings)
         OR EXISTS (SELECT 1 FROM integration.option_couplings)
         OR EXISTS (SELECT 1 FROM integration.full_sync_lines)
         OR EXISTS (SELECT 1 FROM integration.organization_set_aside)
         OR EXISTS (SELECT 1 FROM integration.table_mappings
                     WHERE erp_watermark IS NOT NULL OR crm_watermark IS NOT NULL) AS held`,
  );
  if (r.rows[0]?.held === true) return true;
  for (const { table } of await registeredTables(db)) {
    const any = await db.query(`SELECT 1 FROM integration.${table} LIMIT 1`);
    if ((any.rowCount ?? 0) > 0) return true;
  }
  return false;
}
