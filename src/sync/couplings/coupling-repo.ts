import type { Queryable } from '../../db/db.ts';
import { newId } from '../../shared/ids.ts';
import type { Coupling, PassDirection, SyncResult } from '../model.ts';

interface CouplingRow {
  id: string;
  mapping_name: string;
  erp_table: string;
  erp_id: string;
  crm_entity: string;
  crm_id: string;
  state: 'pending' | 'coupled';
  pending_side: 'crm' | 'erp';
  last_synced_erp_seq: number | null;
  last_synced_crm_version: number | null;
  last_result_to_erp: SyncResult | null;
  last_result_to_crm: SyncResult | null;
  last_error_to_erp: string | null;
  last_error_to_crm: string | null;
  last_job_to_erp: string | null;
  last_job_to_crm: string | null;
  skipped: boolean;
  reverse_due: PassDirection | null;
}

const toCoupling = (r: CouplingRow): Coupling => ({
  id: r.id,
  mappingName: r.mapping_name,
  erpTable: r.erp_table,
  erpId: r.erp_id,
  crmEntity: r.crm_entity,
  crmId: r.crm_id,
  state: r.state,
  pendingSide: r.pending_side,
  lastSyncedErpSeq: r.last_synced_erp_seq,
  lastSyncedCrmVersion: r.last_synced_crm_version,
  lastResultToErp: r.last_result_to_erp,
  lastResultToCrm: r.last_result_to_crm,
  lastErrorToErp: r.last_error_to_erp,
  lastErrorToCrm: r.last_error_to_crm,
  lastJobToErp: r.last_job_to_erp,
  lastJobToCrm: r.last_job_to_crm,
  skipped: r.skipped,
  reverseDue: r.reverse_due,
});

/** The tables a mapping couples, as a coupling names them. */
export const couplingTables = (m: {
  readonly name: string;
  readonly erpTable: string;
  readonly crmEntity: string;
}) => ({ mappingName: m.name, erpTable: m.erpTable, crmEntity: m.crmEntity });

/*
 * The two lookups below go id by id through the unique index (a lateral subquery with LIMIT 1
 * is never flattened into a join). `erp_id = ANY($2)` let PostgreSQL 15, whose statistics
 * still said the table had no couplings of this kind while a full synchronization filled it,
 * walk every coupling of the table for each chunk: quadratic, 42 ms a chunk at 80,000 (and
 * 150 ms a chunk at 100,000 for CONTACT's parent accounts, before the lookup translation,
 * src/sync/engine/lookups.ts, went through `couplingsByErpIds` too).
 */

/** Couplings of ERP records of a table, keyed by ERP id. */
export async function couplingsByErpIds(
  db: Queryable,
  erpTable: string,
  ids: readonly string[],
): Promise<Map<string, Coupling>> {
  if (ids.length === 0) return new Map();
  const r = await db.query<CouplingRow>(
    `SELECT c.* FROM unnest($2::uuid[]) AS k(id)
       CROSS JOIN LATERAL (SELECT * FROM integration.couplings
         WHERE erp_table = $1 AND erp_id = k.id LIMIT 1) c`,
    [erpTable, ids],
  );
  return new Map(r.rows.map((row) => [row.erp_id, toCoupling(row)]));
}

/** Couplings of CRM rows of an entity, keyed by CRM id. */
export async function couplingsByCrmIds(
  db: Queryable,
  crmEntity: string,
  ids: readonly string[],
): Promise<Map<string, Coupling>> {
  if (ids.length === 0) return new Map();
  const r = await db.query<CouplingRow>(
    `SELECT c.* FROM unnest($2::uuid[]) AS k(id)
       CROSS JOIN LATERAL (SELECT * FROM integration.couplings
         WHERE crm_entity = $1 AND crm_id = k.id LIMIT 1) c`,
    [crmEntity, ids],
  );
  return new Map(r.rows.map((row) => [row.crm_id, toCoupling(row)]));
}

/**
 * The retry set of a pass: couplings of a mapping not skipped that failed in its direction or
 * whose comparison is due in it (`reverseDue`).
 */
export async function retrySet(
  db: Queryable,
  mappingName: string,
  pass: PassDirection,
): Promise<Coupling[]> {
  const column = pass === 'ToIntegrationTable' ? 'last_result_to_crm' : 'last_result_to_erp';
  const r = await db.query<CouplingRow>(
    `SELECT * FROM integration.couplings
     WHERE mapping_name = $1 AND needs_retry AND (${column} = 'Failure' OR reverse_due = $2)`,
    [mappingName, pass],
  );
  return r.rows.map(toCoupling);
}

/**
 * Creates a coupling: `coupled`, or `pending` when the record is yet to be created with the chosen
 * id on `pendingSide` (the CRM unless told otherwise).
 */
export async function insertCoupling(
  db: Queryable,
  c: {
    mappingName: string;
    erpTable: string;
    erpId: string;
    crmEntity: string;
    crmId: string;
    state?: 'pending' | 'coupled';
    pendingSide?: 'crm' | 'erp';
  },
): Promise<Coupling> {
  const r = await db.query<CouplingRow>(
    `INSERT INTO integration.couplings (id, mapping_name, erp_table, erp_id, crm_entity, crm_id, state, pending_side)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    [
      newId(),
      c.mappingName,
      c.erpTable,
      c.erpId,
      c.crmEntity,
      c.crmId,
      c.state ?? 'coupled',
      c.pendingSide ?? 'crm',
    ],
  );
  return toCoupling(r.rows[0]!);
}

/** Couples many pairs at once (matching), in statements of up to 5,000; returns how many. */
export async function insertCoupledPairs(
  db: Queryable,
  c: { mappingName: string; erpTable: string; crmEntity: string },
  pairs: readonly { erpId: string; crmId: string }[],
): Promise<number> {
  let n = 0;
  for (let i = 0; i < pairs.length; i += 5000) {
    const chunk = pairs.slice(i, i + 5000);
    const r = await db.query(
      `INSERT INTO integration.couplings (id, mapping_name, erp_table, erp_id, crm_entity, crm_id, state)
       SELECT gen_random_uuid(), $1, $2, p.erp_id, $3, p.crm_id, 'coupled'
       FROM unnest($4::uuid[], $5::uuid[]) AS p(erp_id, crm_id)`,
      [
        c.mappingName,
        c.erpTable,
        c.crmEntity,
        chunk.map((p) => p.erpId),
        chunk.map((p) => p.crmId),
      ],
    );
    n += r.rowCount ?? 0;
  }
  return n;
}

/**
 * Creates many pending couplings in one statement (the chosen ids of a chunk's creates, on the CRM
 * side unless told otherwise); keyed by ERP id.
 */
export async function insertPendingCouplings(
  db: Queryable,
  c: { mappingName: string; erpTable: string; crmEntity: string; pendingSide?: 'crm' | 'erp' },
  pairs: readonly { erpId: string; crmId: string; id?: string }[],
): Promise<Map<string, Coupling>> {
  if (pairs.length === 0) return new Map();
  const r = await db.query<CouplingRow>(
    `INSERT INTO integration.couplings (id, mapping_name, erp_table, erp_id, crm_entity, crm_id, state, pending_side)
     SELECT p.id, $1, $2, p.erp_id, $3, p.crm_id, 'pending', $6
     FROM unnest($4::uuid[], $5::uuid[], $7::uuid[]) AS p(erp_id, crm_id, id)
     RETURNING *`,
    [
      c.mappingName,
      c.erpTable,
      c.crmEntity,
      pairs.map((p) => p.erpId),
      pairs.map((p) => p.crmId),
      c.pendingSide ?? 'crm',
      pairs.map((p) => p.id ?? newId()),
    ],
  );
  return new Map(r.rows.map((row) => [row.erp_id, toCoupling(row)]));
}

/** A coupling a pass marks synchronized, with the id of the pass's source record and both versions. */
export interface SyncedCoupling {
  readonly id: string;
  readonly sourceId: string;
  readonly erpSeq: number | null;
  readonly crmVersion: number | null;
  /** The pass wrote to (or settled) a destination someone else had changed: the other pass is due. */
  readonly reverseDue?: boolean;
}

/** Source record id → coupling id of what a chunk marked synchronized (the ask settling's input). */
export const syncedBySource = (synced: readonly SyncedCoupling[]): Map<string, string> =>
  new Map(synced.map((s) => [s.sourceId, s.id]));

/**
 * `markSynced` for many couplings of one pass in one statement. The same statement settles the
 * reverse-pass mark: an item with `reverseDue` makes the other pass due, and a record this pass was
 * due to compare is settled (the mark, left as it was otherwise, keeps the update HOT).
 */
export async function markSyncedMany(
  db: Queryable,
  pass: PassDirection,
  jobId: string,
  items: readonly {
    id: string;
    erpSeq: number | null;
    crmVersion: number | null;
    reverseDue?: boolean;
  }[],
): Promise<void> {
  if (items.length === 0) return;
  const [result, job, error] =
    pass === 'ToIntegrationTable'
      ? ['last_result_to_crm', 'last_job_to_crm', 'last_error_to_crm']
      : ['last_result_to_erp', 'last_job_to_erp', 'last_error_to_erp'];
  await db.query(
    `UPDATE integration.couplings c SET state = 'coupled', ${result} = 'Success', ${job} = $1, ${error} = NULL,
       last_synced_erp_seq = greatest(coalesce(c.last_synced_erp_seq, 0), coalesce(v.erp_seq, 0)),
       last_synced_crm_version = greatest(coalesce(c.last_synced_crm_version, 0), coalesce(v.crm_version, 0)),
       reverse_due = CASE WHEN v.due THEN $6::text WHEN c.reverse_due = $7::text THEN NULL ELSE c.reverse_due END,
       updated_at = now()
     FROM unnest($2::uuid[], $3::bigint[], $4::bigint[], $5::boolean[]) AS v(id, erp_seq, crm_version, due)
     WHERE c.id = v.id`,
    [
      jobId,
      items.map((i) => i.id),
      items.map((i) => i.erpSeq),
      items.map((i) => i.crmVersion),
      items.map((i) => i.reverseDue === true),
      otherPass(pass),
      pass,
    ],
  );
}

/** Clears the reverse-pass mark of couplings due in `pass` (their source is not there to compare). */
export async function clearReverseDue(
  db: Queryable,
  pass: PassDirection,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    `UPDATE integration.couplings SET reverse_due = NULL, updated_at = now()
     WHERE id = ANY($1::uuid[]) AND reverse_due = $2`,
    [ids, pass],
  );
}

const otherPass = (pass: PassDirection): PassDirection =>
  pass === 'ToIntegrationTable' ? 'FromIntegrationTable' : 'ToIntegrationTable';

/** Records a successful synchronization of a coupling in one direction, with both sides' versions. */
export async function markSynced(
  db: Queryable,
  id: string,
  pass: PassDirection,
  jobId: string,
  versions: { erpSeq: number | null; crmVersion: number | null },
): Promise<void> {
  const [result, job, error] =
    pass === 'ToIntegrationTable'
      ? ['last_result_to_crm', 'last_job_to_crm', 'last_error_to_crm']
      : ['last_result_to_erp', 'last_job_to_erp', 'last_error_to_erp'];
  await db.query(
    `UPDATE integration.couplings SET state = 'coupled', ${result} = 'Success', ${job} = $2, ${error} = NULL,
       last_synced_erp_seq = greatest(coalesce(last_synced_erp_seq, 0), coalesce($3, 0)),
       last_synced_crm_version = greatest(coalesce(last_synced_crm_version, 0), coalesce($4, 0)),
       updated_at = now()
     WHERE id = $1`,
    [id, jobId, versions.erpSeq, versions.crmVersion],
  );
}

/**
 * Records a failure in one direction. When the coupling had already failed in that direction with
 * the same message, it becomes skipped (BC's "same error twice" rule). Returns whether it did.
 */
export async function markFailed(
  db: Queryable,
  id: string,
  pass: PassDirection,
  jobId: string,
  message: string,
): Promise<boolean> {
  const [result, job, error] =
    pass === 'ToIntegrationTable'
      ? ['last_result_to_crm', 'last_job_to_crm', 'last_error_to_crm']
      : ['last_result_to_erp', 'last_job_to_erp', 'last_error_to_erp'];
  const r = await db.query<{ skipped: boolean }>(
    `UPDATE integration.couplings SET
       skipped = skipped OR coalesce(${result} = 'Failure' AND ${error} = $3, false),
       ${result} = 'Failure', ${job} = $2, ${error} = $3, updated_at = now()
     WHERE id = $1 RETURNING skipped`,
    [id, jobId, message],
  );
  return r.rows[0]?.skipped ?? false;
}

/** Removes a coupling; returns whether there was one. */
export async function deleteCoupling(db: Queryable, id: string): Promise<boolean> {
  const r = await db.query('DELETE FROM integration.couplings WHERE id = $1', [id]);
  return (r.rowCount ?? 0) > 0;
}

// Restoring resets Statistics Uploaded too, as BC's Skipped = false does on a customer coupling.
const RESTORE =
  'UPDATE integration.couplings SET skipped = false, statistics_uploaded = false, updated_at = now()';

/**
 * Clears the skipped mark so the records take part in synchronization again. Their last error
 * stays: a record failing with that message again is skipped again at once (`markFailed`).
 */
export async function restoreSkipped(db: Queryable, ids: readonly string[]): Promise<number> {
  const r = await db.query(`${RESTORE} WHERE id = ANY($1::uuid[]) AND skipped`, [ids]);
  return r.rowCount ?? 0;
}

/**
 * Restores every skipped coupling of a mapping (as `restoreSkipped` does for chosen ones): their
 * records take part in synchronization again. Answers how many were restored.
 */
export async function restoreMappingSkipped(db: Queryable, mapping: string): Promise<number> {
  const r = await db.query(`${RESTORE} WHERE mapping_name = $1 AND skipped`, [mapping]);
  return r.rowCount ?? 0;
}
