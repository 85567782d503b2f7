import { getEntity } from '../../erp/public-api.ts';
import type { Result } from '../../shared/result.ts';
import type { FlowContext } from './flow-context.ts';
import type { PickupRecord } from './pickup-log.ts';

/** The ERP document a CRM document became, as the pick-up lists show it. */
export interface ErpDocumentRef {
  readonly id: string;
  readonly number: string;
  readonly status: string;
}

/** Why the last attempt refused a CRM document, as the pick-up lists show it. */
export interface PickupErrorView {
  readonly code: string;
  readonly message: string;
  readonly attempts: number;
  readonly at: Date;
}

/** The coupled ERP document (quote or order), or null when there is none any more. */
export async function erpDocumentRef(
  ctx: FlowContext,
  entitySet: 'salesQuotes' | 'salesOrders',
  erpId: string | undefined,
): Promise<ErpDocumentRef | null> {
  if (!erpId) return null;
  const doc = await getEntity(ctx.db, entitySet, erpId);
  if (!doc.ok) return null;
  return {
    id: String(doc.value['id']),
    number: String(doc.value['number']),
    status: String(doc.value['status']),
  };
}

/** The refusal of the last attempt, or null when it was not refused. */
export const pickupError = (p: PickupRecord | undefined): PickupErrorView | null =>
  p?.outcome === 'refused'
    ? {
        code: p.errorCode ?? 'refused',
        message: p.errorMessage ?? '',
        attempts: p.attempts,
        at: p.lastAttemptAt,
      }
    : null;

/** The outcome for one CRM document of a pick-up request (*Create in ERP*, *Process in ERP*). */
export type PickupItem<T> =
  | ({ readonly ok: true } & T)
  | {
      readonly ok: false;
      readonly crmId: string;
      readonly error: { code: string; message: string };
    };

/**
 * Picks up each chosen CRM document on its own (each in its own transaction), so a refused one
 * never stops the others; every document gets its outcome and a refusal is logged.
 */
export async function pickUpEach<T>(
  ctx: FlowContext,
  crmIds: readonly string[],
  pickUp: (crmId: string) => Promise<Result<T>>,
): Promise<PickupItem<T>[]> {
  const results: PickupItem<T>[] = [];
  for (const id of [...new Set(crmIds.map((x) => x.toLowerCase()))]) {
    const r = await pickUp(id);
    results.push(
      r.ok
        ? { ok: true, ...r.value }
        : { ok: false, crmId: id, error: { code: r.error.code, message: r.error.message } },
    );
    if (!r.ok) ctx.logger.info({ crmId: id, code: r.error.code }, r.error.message);
  }
  return results;
}
