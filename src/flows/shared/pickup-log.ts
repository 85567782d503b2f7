import type { Queryable } from '../../db/db.ts';
import type { CrmDocumentEntity } from './crm-documents.ts';

export type PickupOutcome = 'created' | 'updated' | 'unchanged' | 'refused';

/** The last attempt to take a CRM order or quote over into the ERP. */
export interface PickupRecord {
  readonly crmId: string;
  readonly crmNumber: string;
  readonly outcome: PickupOutcome;
  readonly erpDocumentId: string | null;
  readonly erpNumber: string | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly attempts: number;
  readonly lastAttemptAt: Date;
  readonly wonProcessedAt: Date | null;
}

/** Records the outcome of an attempt (a refusal keeps its message until an attempt succeeds). */
export async function recordPickup(
  db: Queryable,
  entity: CrmDocumentEntity,
  p: {
    crmId: string;
    crmNumber: string;
    crmName: string;
    outcome: PickupOutcome;
    erpDocumentId?: string | null;
    erpNumber?: string | null;
    error?: { code: string; message: string };
    at: Date;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO integration.crm_document_pickups AS p
       (crm_entity, crm_id, crm_number, crm_name, outcome, erp_document_id, erp_number,
        error_code, error_message, attempts, last_attempt_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10)
     ON CONFLICT (crm_entity, crm_id) DO UPDATE SET
       crm_number = EXCLUDED.crm_number, crm_name = EXCLUDED.crm_name, outcome = EXCLUDED.outcome,
       erp_document_id = coalesce(EXCLUDED.erp_document_id, p.erp_document_id),
       erp_number = coalesce(EXCLUDED.erp_number, p.erp_number),
       error_code = EXCLUDED.error_code, error_message = EXCLUDED.error_message,
       attempts = p.attempts + 1, last_attempt_at = EXCLUDED.last_attempt_at`,
    [
      entity,
      p.crmId,
      p.crmNumber,
      p.crmName,
      p.outcome,
      p.erpDocumentId ?? null,
      p.erpNumber ?? null,
      p.error?.code ?? null,
      p.error?.message ?? null,
      p.at,
    ],
  );
}

/** Marks a won quote as handled (order linked and quote archived, or quote released). */
export async function markWonProcessed(db: Queryable, quoteId: string, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO integration.crm_document_pickups (crm_entity, crm_id, outcome, last_attempt_at, won_processed_at)
     VALUES ('quote', $1, 'updated', $2, $2)
     ON CONFLICT (crm_entity, crm_id) DO UPDATE SET won_processed_at = coalesce(
       integration.crm_document_pickups.won_processed_at, EXCLUDED.won_processed_at)`,
    [quoteId, at],
  );
}

/** The last attempts for CRM ids of one table, keyed by id. */
export async function pickupsFor(
  db: Queryable,
  entity: CrmDocumentEntity,
  ids: readonly string[],
): Promise<Map<string, PickupRecord>> {
  if (ids.length === 0) return new Map();
  const r = await db.query<PickupRecord>(
    `SELECT crm_id AS "crmId", crm_number AS "crmNumber", outcome, erp_document_id AS "erpDocumentId",
            erp_number AS "erpNumber", error_code AS "errorCode", error_message AS "errorMessage",
            attempts, last_attempt_at AS "lastAttemptAt", won_processed_at AS "wonProcessedAt"
       FROM integration.crm_document_pickups WHERE crm_entity = $1 AND crm_id = ANY($2::uuid[])`,
    [entity, ids],
  );
  return new Map(r.rows.map((row) => [row.crmId, row]));
}
