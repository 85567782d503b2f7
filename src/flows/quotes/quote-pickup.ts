import { ok, type Result } from '../../shared/result.ts';
import { couplingsByCrmIds } from '../../sync/couplings/coupling-repo.ts';
import { listCrmDocuments } from '../shared/crm-documents.ts';
import { openCrm } from '../shared/crm-session.ts';
import { QUOTE_COUPLING } from '../shared/document-couplings.ts';
import type { FlowContext } from '../shared/flow-context.ts';
import { pickupsFor } from '../shared/pickup-log.ts';
import {
  type ErpDocumentRef,
  erpDocumentRef,
  type PickupErrorView,
  type PickupItem,
  pickUpEach,
  pickupError,
} from '../shared/pickup-views.ts';
import {
  processQuote,
  QUOTE_STATE,
  QUOTE_STATUS,
  type QuoteProcessResult,
} from './process-quote.ts';

const STATE_NAMES = ['Draft', 'Active', 'Won', 'Closed'];
const STATUS_NAMES: Record<number, string> = {
  1: 'In Progress',
  2: 'In Progress',
  3: 'Open',
  4: 'Won',
  5: 'Lost',
  6: 'Canceled',
  7: 'Revised',
};

/** A CRM quote on the "Sales quotes – Dynamics 365 Sales" list, with its ERP quote. */
export interface CrmQuoteView {
  readonly crmId: string;
  readonly quoteNumber: string;
  readonly revision: number;
  readonly name: string;
  readonly customerName: string;
  readonly state: string;
  readonly statusReason: string;
  readonly totalAmount: number;
  /** `processed` (an ERP quote exists or the won quote became an order), `refused`, `waiting`. */
  readonly erpStatus: 'processed' | 'refused' | 'waiting';
  readonly erpQuote: ErpDocumentRef | null;
  readonly wonProcessed: boolean;
  readonly error: PickupErrorView | null;
}

/** Active and won CRM quotes (newest first; `all` adds closed ones) with their ERP state. */
export async function listCrmQuotes(
  ctx: FlowContext,
  options: { top?: number; state?: 'open' | 'all' } = {},
): Promise<Result<CrmQuoteView[]>> {
  const client = await openCrm(ctx);
  if (!client.ok) return client;
  const filter =
    options.state === 'all'
      ? `statecode ne ${QUOTE_STATE.draft}`
      : `statecode eq ${QUOTE_STATE.active} or statecode eq ${QUOTE_STATE.won}`;
  const docs = await listCrmDocuments(client.value, 'quote', filter, options.top ?? 200);
  if (!docs.ok) return docs;
  const ids = docs.value.map((d) => d.id);
  const couplings = await couplingsByCrmIds(ctx.db, QUOTE_COUPLING.crmEntity, ids);
  const pickups = await pickupsFor(ctx.db, 'quote', ids);
  const out: CrmQuoteView[] = [];
  for (const d of docs.value) {
    const erpQuote = await erpDocumentRef(ctx, 'salesQuotes', couplings.get(d.id)?.erpId);
    const p = pickups.get(d.id);
    const refused = p?.outcome === 'refused';
    const processed = !!erpQuote || !!p?.wonProcessedAt || (p !== undefined && !refused);
    out.push({
      crmId: d.id,
      quoteNumber: d.number,
      revision: d.revisionNumber,
      name: d.name,
      customerName: d.customerName,
      state: STATE_NAMES[d.statecode] ?? String(d.statecode),
      statusReason: STATUS_NAMES[d.statuscode] ?? String(d.statuscode),
      totalAmount: d.totalAmount,
      erpStatus: refused ? 'refused' : processed ? 'processed' : 'waiting',
      erpQuote,
      wonProcessed: !!p?.wonProcessedAt,
      error: pickupError(p),
    });
  }
  return ok(out);
}

/** The outcome for one CRM quote of a *Process in ERP* request. */
export type ProcessInErpItem = PickupItem<QuoteProcessResult>;

export interface ProcessInErpReport {
  readonly processed: number;
  readonly refused: number;
  readonly unchanged: number;
  readonly results: ProcessInErpItem[];
}

/** *Process in ERP* for chosen CRM quotes, each on its own; every quote gets its outcome. */
export async function processQuotesInErp(
  ctx: FlowContext,
  crmIds: readonly string[],
): Promise<Result<ProcessInErpReport>> {
  const client = await openCrm(ctx);
  if (!client.ok) return client;
  const results = await pickUpEach(ctx, crmIds, (id) => processQuote(ctx, client.value, id));
  return ok({
    processed: results.filter((r) => r.ok && r.outcome !== 'unchanged').length,
    refused: results.filter((r) => !r.ok).length,
    unchanged: results.filter((r) => r.ok && r.outcome === 'unchanged').length,
    results,
  });
}

/**
 * The automatic processing: active quotes not in the ERP yet, won quotes not handled yet, and
 * lost or canceled quotes that still have an ERP quote. Refused quotes are retried next run.
 */
export async function autoProcessQuotes(ctx: FlowContext): Promise<Result<ProcessInErpReport>> {
  const client = await openCrm(ctx);
  if (!client.ok) return client;
  const docs = await listCrmDocuments(
    client.value,
    'quote',
    `statecode eq ${QUOTE_STATE.active} or statecode eq ${QUOTE_STATE.won} or (statecode eq ${QUOTE_STATE.closed} and statuscode ne ${QUOTE_STATUS.revised})`,
    5000,
  );
  if (!docs.ok) return docs;
  const ids = docs.value.map((d) => d.id);
  const couplings = await couplingsByCrmIds(ctx.db, QUOTE_COUPLING.crmEntity, ids);
  const pickups = await pickupsFor(ctx.db, 'quote', ids);
  const todo = docs.value.filter((d) => {
    if (d.statecode === QUOTE_STATE.active) return !couplings.has(d.id);
    if (d.statecode === QUOTE_STATE.won) return !pickups.get(d.id)?.wonProcessedAt;
    return couplings.has(d.id);
  });
  return processQuotesInErp(
    ctx,
    todo.map((d) => d.id),
  );
}
