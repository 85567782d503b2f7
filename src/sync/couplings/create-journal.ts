import type { Queryable } from '../../db/db.ts';
import type { Coupling } from '../model.ts';

/** A create the CRM was (or is about to be) sent, with the ids chosen for it. */
export interface JournaledCreate {
  readonly couplingId: string;
  readonly erpId: string;
  readonly crmId: string;
}

/** A chunk's creates as the journal holds them until their couplings are written. */
export interface JournalEntry {
  readonly id: string;
  readonly creates: readonly JournaledCreate[];
}

/** A created record's coupling, inserted once as synchronized (with both sides' versions). */
export interface CreatedCoupling extends JournaledCreate {
  readonly erpSeq: number | null;
  readonly crmVersion: number | null;
}

/**
 * Records the ids a chunk's creates are sent with, before the `$batch` (exactly once: a run cut
 * off before their couplings are written finds them here; migration sync 020).
 */
export async function journalCreates(
  db: Queryable,
  entry: JournalEntry & { mappingName: string; jobId: string },
): Promise<void> {
  await db.query(
    `INSERT INTO integration.crm_create_journal (id, mapping_name, job_id, coupling_ids, erp_ids, crm_ids)
     VALUES ($1, $2, $3, $4::uuid[], $5::uuid[], $6::uuid[])`,
    [
      entry.id,
      entry.mappingName,
      entry.jobId,
      entry.creates.map((c) => c.couplingId),
      entry.creates.map((c) => c.erpId),
      entry.creates.map((c) => c.crmId),
    ],
  );
}

/** The journal entries a mapping's runs left unsettled, oldest first. */
export async function unsettledCreates(
  db: Queryable,
  mappingName: string,
): Promise<JournalEntry[]> {
  const r = await db.query<{
    id: string;
    coupling_ids: string[];
    erp_ids: string[];
    crm_ids: string[];
  }>(
    `SELECT id, coupling_ids, erp_ids, crm_ids FROM integration.crm_create_journal
     WHERE mapping_name = $1 ORDER BY created_at, id`,
    [mappingName],
  );
  return r.rows.map((row) => ({
    id: row.id,
    creates: row.coupling_ids.map((couplingId, i) => ({
      couplingId,
      erpId: row.erp_ids[i]!,
      crmId: row.crm_ids[i]!,
    })),
  }));
}

/**
 * Settles a journal entry in one statement: the couplings of the creates that landed are inserted
 * as synchronized by `jobId` in the ERP → CRM direction, and the entry is deleted. After a cut-off
 * run (`resumed`) a record may have been coupled since: its coupling is kept as it is.
 */
export async function settleCreates(
  db: Queryable,
  c: { mappingName: string; erpTable: string; crmEntity: string; jobId: string },
  entryId: string,
  created: readonly CreatedCoupling[],
  options: { resumed?: boolean } = {},
): Promise<void> {
  await db.query(
    `WITH settled AS (DELETE FROM integration.crm_create_journal WHERE id = $1)
     INSERT INTO integration.couplings (id, mapping_name, erp_table, erp_id, crm_entity, crm_id, state,
       last_result_to_crm, last_job_to_crm, last_synced_erp_seq, last_synced_crm_version)
     SELECT v.id, $2, $3, v.erp_id, $4, v.crm_id, 'coupled', 'Success', $5, v.erp_seq, v.crm_version
     FROM unnest($6::uuid[], $7::uuid[], $8::uuid[], $9::bigint[], $10::bigint[])
       AS v(id, erp_id, crm_id, erp_seq, crm_version)
     ${options.resumed ? 'ON CONFLICT DO NOTHING' : ''}`,
    [
      entryId,
      c.mappingName,
      c.erpTable,
      c.crmEntity,
      c.jobId,
      created.map((x) => x.couplingId),
      created.map((x) => x.erpId),
      created.map((x) => x.crmId),
      created.map((x) => x.erpSeq),
      created.map((x) => x.crmVersion),
    ],
  );
}

/**
 * The coupling a journaled create has (or will have once it lands): as a pending one until its
 * couplings are written, with the mapping's tables.
 */
export function journaledCoupling(
  tables: { mappingName: string; erpTable: string; crmEntity: string },
  create: JournaledCreate,
): Coupling {
  return {
    id: create.couplingId,
    ...tables,
    erpId: create.erpId,
    crmId: create.crmId,
    state: 'pending',
    pendingSide: 'crm',
    lastSyncedErpSeq: null,
    lastSyncedCrmVersion: null,
    lastResultToErp: null,
    lastResultToCrm: null,
    lastErrorToErp: null,
    lastErrorToCrm: null,
    lastJobToErp: null,
    lastJobToCrm: null,
    skipped: false,
    reverseDue: null,
  };
}
