import type { Queryable } from '../../db/db.ts';
import { newId } from '../../shared/ids.ts';
import type { AskState, ConflictField } from '../engine/ask-merge.ts';
import { keyTime, type Paging } from '../queries.ts';

/** The conflict inbox's tables (src/sync/migrations/012_conflict_inbox.sql). */

export const CONFLICT_STATES = ['open', 'resolved', 'aged_out'] as const;
export type ConflictState = (typeof CONFLICT_STATES)[number];
export const RESOLUTIONS = ['erp', 'crm', 'value'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** One entry of the inbox: a field pair of a coupled record that changed on both sides. */
export interface ConflictEntry {
  readonly id: string;
  readonly mapping: string;
  readonly couplingId: string;
  readonly erpTable: string;
  readonly erpId: string;
  readonly crmEntity: string;
  readonly crmId: string;
  readonly erpField: string;
  readonly crmField: string;
  readonly erpValue: unknown;
  readonly crmValue: unknown;
  readonly crmValueInErp: unknown;
  readonly erpModifiedBy: string | null;
  readonly erpModifiedAt: Date | null;
  readonly crmModifiedBy: string | null;
  readonly crmModifiedAt: Date | null;
  readonly state: ConflictState;
  readonly resolution: Resolution | null;
  readonly resolvedValue: unknown;
  readonly resolvedBy: string | null;
  readonly resolvedAt: Date | null;
  readonly detectedAt: Date;
  readonly updatedAt: Date;
}

const COLUMNS = `id, mapping_name AS mapping, coupling_id AS "couplingId", erp_table AS "erpTable",
  erp_id AS "erpId", crm_entity AS "crmEntity", crm_id AS "crmId", erp_field AS "erpField",
  crm_field AS "crmField", erp_value AS "erpValue", crm_value AS "crmValue",
  crm_value_in_erp AS "crmValueInErp", erp_modified_by AS "erpModifiedBy",
  erp_modified_at AS "erpModifiedAt", crm_modified_by AS "crmModifiedBy",
  crm_modified_at AS "crmModifiedAt", state, resolution, resolved_value AS "resolvedValue",
  resolved_by AS "resolvedBy", resolved_at AS "resolvedAt", detected_at AS "detectedAt",
  updated_at AS "updatedAt"`;
const SELECT = `SELECT ${COLUMNS} FROM integration.conflicts`;

/** The inbox's state of coupled records (open entries and agreed values), by coupling id. */
export async function readAskStates(
  db: Queryable,
  couplingIds: readonly string[],
): Promise<Map<string, AskState>> {
  if (couplingIds.length === 0) return new Map();
  const r = await db.query<{
    id: string;
    baseline: Record<string, unknown> | null;
    open: string[];
    unsettled: boolean;
  }>(
    `SELECT c.id, b.crm_values AS baseline, b.unsettled_at IS NOT NULL AS unsettled,
       coalesce((SELECT array_agg(x.erp_field || '|' || x.crm_field) FROM integration.conflicts x
                  WHERE x.coupling_id = c.id AND x.state = 'open'), '{}') AS open
     FROM unnest($1::uuid[]) AS c(id)
     LEFT JOIN integration.conflict_baselines b ON b.coupling_id = c.id`,
    [couplingIds],
  );
  return new Map(
    r.rows.map((row) => [
      row.id,
      {
        baseline: row.baseline ?? undefined,
        open: new Set(row.open),
        ...(row.unsettled ? { unsettled: true } : {}),
      },
    ]),
  );
}

/** A coupled record's agreed values, as `saveBaselines` stores them. */
export interface BaselineSave {
  readonly couplingId: string;
  readonly crmValues: Readonly<Record<string, unknown>>;
  readonly unsettled?: boolean;
  /** The coupling is new (a create's, its id chosen by this pass): it has no baseline yet. */
  readonly fresh?: boolean;
}

/**
 * Stores the agreed values of many coupled records. A record saved `unsettled` (its write-back
 * was refused: the integration wrote one side while the two do not agree) is marked so that the
 * next pass compares it field by field with these values; any other save clears the mark. The
 * baselines of new couplings are plain inserts: an upsert's check for a row to update cost a
 * third more per record in a full synchronization, where every record is new (docs/sync-engine.md,
 * "Measured", eleventh round).
 */
export async function saveBaselines(db: Queryable, items: readonly BaselineSave[]): Promise<void> {
  const fresh = items.filter((i) => i.fresh);
  const known = items.filter((i) => !i.fresh);
  await Promise.all([
    fresh.length > 0 && db.query(INSERT_BASELINES, [baselineRows(fresh)]),
    known.length > 0 &&
      db.query(
        `${INSERT_BASELINES}
         ON CONFLICT (coupling_id) DO UPDATE SET crm_values = EXCLUDED.crm_values, updated_at = now(),
           unsettled_at = EXCLUDED.unsettled_at`,
        [baselineRows(known)],
      ),
  ]);
}

const INSERT_BASELINES = `INSERT INTO integration.conflict_baselines (coupling_id, crm_values, updated_at, unsettled_at)
  SELECT b.coupling_id, b.crm_values, now(), CASE WHEN b.unsettled THEN now() END
  FROM jsonb_to_recordset($1::jsonb) AS b(coupling_id uuid, crm_values jsonb, unsettled boolean)`;

const baselineRows = (items: readonly BaselineSave[]) =>
  JSON.stringify(
    items.map((i) => ({
      coupling_id: i.couplingId,
      crm_values: i.crmValues,
      unsettled: i.unsettled === true,
    })),
  );

/**
 * After an undo put back values on one side of coupled records (src/sync/undo/undo-baselines.ts):
 * `crmValues` become agreed values, as a synchronization writing them would make them, the
 * `unknown` columns lose theirs (both sides changed them), and the records are marked unsettled —
 * their other side may hold a user's change that the undo's write (the integration's own) now hides
 * from the versions.
 */
export async function restoreBaselineColumns(
  db: Queryable,
  items: readonly {
    couplingId: string;
    crmValues: Readonly<Record<string, unknown>>;
    unknown?: readonly string[];
  }[],
): Promise<void> {
  if (items.length === 0) return;
  await db.query(
    `WITH b AS (SELECT * FROM jsonb_to_recordset($1::jsonb)
                  AS b(coupling_id uuid, crm_values jsonb, unknown text[]))
     INSERT INTO integration.conflict_baselines AS c (coupling_id, crm_values, updated_at, unsettled_at)
     SELECT b.coupling_id, b.crm_values, now(), now() FROM b
     ON CONFLICT (coupling_id) DO UPDATE
       SET crm_values = (c.crm_values - (SELECT b.unknown FROM b WHERE b.coupling_id = c.coupling_id))
                        || EXCLUDED.crm_values,
         updated_at = now(), unsettled_at = now()`,
    [
      JSON.stringify(
        items.map((i) => ({
          coupling_id: i.couplingId,
          crm_values: i.crmValues,
          unknown: i.unknown ?? [],
        })),
      ),
    ],
  );
}

/** Sets one agreed column of a coupled record (after a resolution). */
export async function setBaselineColumn(
  db: Queryable,
  couplingId: string,
  column: string,
  value: unknown,
): Promise<void> {
  await db.query(
    `INSERT INTO integration.conflict_baselines (coupling_id, crm_values) VALUES ($1, jsonb_build_object($2::text, $3::jsonb))
     ON CONFLICT (coupling_id) DO UPDATE
       SET crm_values = integration.conflict_baselines.crm_values || jsonb_build_object($2::text, $3::jsonb), updated_at = now()`,
    [couplingId, column, JSON.stringify(value ?? null)],
  );
}

/** What a pass found about a record whose fields it holds back. */
export interface DetectedConflicts {
  readonly mapping: string;
  readonly couplingId: string;
  readonly erpTable: string;
  readonly erpId: string;
  readonly crmEntity: string;
  readonly crmId: string;
  readonly fields: readonly ConflictField[];
  readonly erpModifiedBy: string | null;
  readonly erpModifiedAt: string | null;
  readonly crmModifiedBy: string | null;
  readonly crmModifiedAt: string | null;
  readonly jobId: string;
}

/**
 * Opens an entry per held field pair, or updates the open one of the same record and field pair
 * with the values as they are now (never a second open entry). Who changed a side, and when, stays
 * as it was while that side's value did not change: a later write of another field of the record
 * (the integration's, say) did not change the held one. Returns how many were new.
 */
export async function upsertConflicts(
  db: Queryable,
  found: readonly DetectedConflicts[],
  now: Date,
): Promise<number> {
  const rows = found.flatMap((d) =>
    d.fields.map((f) => ({
      id: newId(),
      mapping_name: d.mapping,
      coupling_id: d.couplingId,
      erp_table: d.erpTable,
      erp_id: d.erpId,
      crm_entity: d.crmEntity,
      crm_id: d.crmId,
      erp_field: f.erpField,
      crm_field: f.crmField,
      erp_value: f.erpValue ?? null,
      crm_value: f.crmValue ?? null,
      crm_value_in_erp: f.crmValueInErp ?? null,
      erp_modified_by: d.erpModifiedBy,
      erp_modified_at: d.erpModifiedAt,
      crm_modified_by: d.crmModifiedBy,
      crm_modified_at: d.crmModifiedAt,
      job_id: d.jobId,
    })),
  );
  if (rows.length === 0) return 0;
  const r = await db.query<{ inserted: boolean }>(
    `INSERT INTO integration.conflicts AS c (id, mapping_name, coupling_id, erp_table, erp_id, crm_entity, crm_id,
       erp_field, crm_field, erp_value, crm_value, crm_value_in_erp, erp_modified_by, erp_modified_at,
       crm_modified_by, crm_modified_at, job_id, state, detected_at, updated_at)
     SELECT x.id, x.mapping_name, x.coupling_id, x.erp_table, x.erp_id, x.crm_entity, x.crm_id, x.erp_field,
       x.crm_field, x.erp_value, x.crm_value, x.crm_value_in_erp, x.erp_modified_by, x.erp_modified_at,
       x.crm_modified_by, x.crm_modified_at, x.job_id, 'open', $2, $2
     FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, mapping_name text, coupling_id uuid, erp_table text,
       erp_id uuid, crm_entity text, crm_id uuid, erp_field text, crm_field text, erp_value jsonb,
       crm_value jsonb, crm_value_in_erp jsonb, erp_modified_by text, erp_modified_at timestamptz,
       crm_modified_by text, crm_modified_at timestamptz, job_id uuid)
     ON CONFLICT (coupling_id, erp_field, crm_field) WHERE state = 'open' DO UPDATE SET
       erp_value = EXCLUDED.erp_value, crm_value = EXCLUDED.crm_value,
       crm_value_in_erp = EXCLUDED.crm_value_in_erp,
       erp_modified_by = CASE WHEN c.erp_value IS NOT DISTINCT FROM EXCLUDED.erp_value
         THEN c.erp_modified_by ELSE EXCLUDED.erp_modified_by END,
       erp_modified_at = CASE WHEN c.erp_value IS NOT DISTINCT FROM EXCLUDED.erp_value
         THEN c.erp_modified_at ELSE EXCLUDED.erp_modified_at END,
       crm_modified_by = CASE WHEN c.crm_value IS NOT DISTINCT FROM EXCLUDED.crm_value
         THEN c.crm_modified_by ELSE EXCLUDED.crm_modified_by END,
       crm_modified_at = CASE WHEN c.crm_value IS NOT DISTINCT FROM EXCLUDED.crm_value
         THEN c.crm_modified_at ELSE EXCLUDED.crm_modified_at END,
       job_id = EXCLUDED.job_id, updated_at = EXCLUDED.updated_at
     RETURNING (xmax = 0) AS inserted`,
    [JSON.stringify(rows), now],
  );
  return r.rows.filter((x) => x.inserted).length;
}

/**
 * Closes the open entries of field pairs whose two values are the same again (changed on one side
 * to the other's value): resolved, with no choice recorded. Returns how many closed.
 */
export async function closeAgreed(
  db: Queryable,
  items: readonly { couplingId: string; erpField: string; crmField: string }[],
  now: Date,
): Promise<number> {
  if (items.length === 0) return 0;
  const r = await db.query(
    `UPDATE integration.conflicts c SET state = t.to_state, updated_at = $2, resolved_at = $2,
       resolved_by = 'both sides agree'
     FROM jsonb_to_recordset($1::jsonb) AS x(coupling_id uuid, erp_field text, crm_field text),
          integration.conflict_transitions t
     WHERE c.coupling_id = x.coupling_id AND c.erp_field = x.erp_field AND c.crm_field = x.crm_field
       AND c.state = 'open' AND t.from_state = c.state AND t.to_state = 'resolved'`,
    [
      JSON.stringify(
        items.map((i) => ({
          coupling_id: i.couplingId,
          erp_field: i.erpField,
          crm_field: i.crmField,
        })),
      ),
      now,
    ],
  );
  return r.rowCount ?? 0;
}

/** Inbox entries, oldest first; open ones unless another state is asked for. */
export async function listConflicts(
  db: Queryable,
  f: { mapping?: string; state?: ConflictState; ids?: readonly string[] } & Paging,
): Promise<ConflictEntry[]> {
  return (await listConflictsKeyed(db, f)).map((row) => row.view);
}

/** An entry's place in the list order (detection as text with its microseconds, then id). */
export interface ConflictKey {
  readonly detectedAt: string;
  readonly id: string;
}

/** Inbox entries in the list order with their keys; `after` starts past a key (keyset paging). */
export async function listConflictsKeyed(
  db: Queryable,
  f: { mapping?: string; state?: ConflictState; ids?: readonly string[] } & Paging & {
      readonly after?: ConflictKey;
    },
): Promise<{ view: ConflictEntry; key: ConflictKey }[]> {
  const r = await db.query<ConflictEntry & { detectedKey: string }>(
    `SELECT ${COLUMNS},
       ${keyTime('detected_at')} AS "detectedKey"
     FROM integration.conflicts
     WHERE ($1::text IS NULL OR mapping_name = $1) AND state = $2
       AND ($3::uuid[] IS NULL OR id = ANY($3::uuid[]))
       AND ($6::timestamptz IS NULL OR (detected_at, id) > ($6::timestamptz, $7::uuid))
     ORDER BY detected_at, id LIMIT $4 OFFSET $5`,
    [
      f.mapping ?? null,
      f.state ?? 'open',
      f.ids ?? null,
      f.top,
      f.skip,
      f.after?.detectedAt ?? null,
      f.after?.id ?? null,
    ],
  );
  return r.rows.map(({ detectedKey, ...view }) => ({
    view,
    key: { detectedAt: detectedKey, id: view.id },
  }));
}

/** How many entries match (for paging). */
export async function countConflicts(
  db: Queryable,
  f: { mapping?: string; state?: ConflictState },
): Promise<number> {
  const r = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM integration.conflicts
     WHERE ($1::text IS NULL OR mapping_name = $1) AND state = $2`,
    [f.mapping ?? null, f.state ?? 'open'],
  );
  return Number(r.rows[0]!.n);
}

/** The field pairs of coupled records that wait in the inbox (open entries), by coupling id. */
export async function openConflictFields(
  db: Queryable,
  couplingIds: readonly string[],
): Promise<Map<string, { erpField: string; crmField: string }[]>> {
  const r = await db.query<{ couplingId: string; erpField: string; crmField: string }>(
    `SELECT coupling_id AS "couplingId", erp_field AS "erpField", crm_field AS "crmField"
       FROM integration.conflicts WHERE state = 'open' AND coupling_id = ANY($1::uuid[])
      ORDER BY erp_field`,
    [couplingIds],
  );
  const out = new Map<string, { erpField: string; crmField: string }[]>();
  for (const row of r.rows) out.set(row.couplingId, [...(out.get(row.couplingId) ?? []), row]);
  return out;
}

/** Entries by id, in any state. */
export async function conflictsByIds(
  db: Queryable,
  ids: readonly string[],
): Promise<ConflictEntry[]> {
  const r = await db.query<ConflictEntry>(`${SELECT} WHERE id = ANY($1::uuid[])`, [ids]);
  return r.rows;
}

/** Open entries opened (or last updated) before `before`, of every mapping. */
export async function dueConflicts(db: Queryable, now: Date): Promise<ConflictEntry[]> {
  const r = await db.query<ConflictEntry>(
    `${SELECT} c WHERE c.state = 'open' AND c.detected_at + make_interval(hours =>
       (SELECT m.conflict_expiry_hours FROM integration.table_mappings m WHERE m.name = c.mapping_name)) <= $1
     ORDER BY c.mapping_name, c.detected_at`,
    [now],
  );
  return r.rows;
}

/**
 * Moves an entry to `to` when conflict_transitions allows it from its state; false when it does not
 * (already resolved or aged out, perhaps by someone else just now).
 */
export async function transitionConflict(
  db: Queryable,
  id: string,
  to: Exclude<ConflictState, 'open'>,
  now: Date,
  resolution?: { take: Resolution; value: unknown; by: string },
): Promise<boolean> {
  const r = await db.query(
    `UPDATE integration.conflicts c SET state = $2, updated_at = $3::timestamptz, resolution = $4::text,
       resolved_value = $5::jsonb, resolved_by = $6::text,
       resolved_at = CASE WHEN $4::text IS NULL THEN NULL ELSE $3::timestamptz END
     FROM integration.conflict_transitions t
     WHERE c.id = $1 AND t.from_state = c.state AND t.to_state = $2`,
    [
      id,
      to,
      now,
      resolution?.take ?? null,
      resolution ? JSON.stringify(resolution.value ?? null) : null,
      resolution?.by ?? null,
    ],
  );
  return (r.rowCount ?? 0) > 0;
}
