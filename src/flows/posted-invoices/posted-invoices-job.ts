import { type ApiRecord, getEntity, readChanges } from '../../erp/public-api.ts';
import { holdReason } from '../../integration/full-sync/full-sync-lines.ts';
import type { RunOutcome } from '../../integration/recurring-jobs.ts';
import { plural } from '../../shared/plural.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { couplingsByErpIds } from '../../sync/couplings/coupling-repo.ts';
import type { OutboundContext } from '../outbound-context.ts';
import { createCrmInvoices, INVOICE_MAPPING } from './create-crm-invoices.ts';

/** The job's bookkeeping: the ERP change sequence seen, and invoices to try once more. */
export interface InvoiceJobState {
  readonly invoiceSeq?: number;
  /** Invoice id → failed attempts. After two the invoice waits for a manual create. */
  readonly retry?: Readonly<Record<string, number>>;
}

const MAX_ATTEMPTS = 2;

export interface InvoiceJobReport extends RunOutcome {
  readonly jobId: string | null;
  readonly created: number;
  readonly failed: number;
  /** The invoices that failed, with why. */
  readonly failures: readonly { number: string; message: string }[];
}

/**
 * An invoice is created for a coupled customer only, so the job waits (409 mapping_held, its cursor
 * kept, tried again after its interval) while customers are being coupled: after a move to another
 * organization (which starts the job's cursor over, src/integration/organization-set-aside.ts) until
 * the full synchronization of CUSTOMER has run there, and while that of CUSTOMER or of the invoices
 * is at work. Run meanwhile, every invoice would fail twice and wait for a manual create.
 */
async function heldBy(o: OutboundContext): Promise<Result<never> | undefined> {
  for (const mapping of ['CUSTOMER', INVOICE_MAPPING]) {
    const reason = await holdReason(o.engine.db, mapping);
    if (reason)
      return failure(
        'mapping_held',
        `Posted sales invoices wait: ${mapping} is not synchronized now (${reason}); invoices are created in Dynamics 365 Sales once their customers are coupled there`,
      );
  }
  return undefined;
}

/**
 * One run of the POSTEDSALESINV-INV job: every posted sales invoice posted (or changed) since the
 * last run that is not coupled yet gets its CRM invoice; an invoice that failed is tried once more
 * on the next run, then left for *Create invoice in Dynamics 365 Sales* after the cause is fixed
 * (the error stays in the job log).
 */
export async function runPostedInvoicesJob(
  o: OutboundContext,
  state: InvoiceJobState,
  trigger: string,
): Promise<Result<InvoiceJobReport>> {
  const held = await heldBy(o);
  if (held) return held;
  let seq = state.invoiceSeq ?? 0;
  const candidates = new Map<string, ApiRecord>();
  for (;;) {
    const page = await readChanges(o.app.db, 'salesInvoices', seq, { limit: 1000 });
    if (!page.ok) return page;
    for (const r of page.value.records) candidates.set(r.id, r);
    seq = page.value.nextSeq;
    if (!page.value.more) break;
  }
  for (const id of Object.keys(state.retry ?? {})) {
    if (candidates.has(id)) continue;
    const r = await getEntity(o.app.db, 'salesInvoices', id);
    if (r.ok) candidates.set(id, r.value);
  }
  const coupled = await couplingsByErpIds(o.engine.db, 'salesInvoices', [...candidates.keys()]);
  const todo = [...candidates.values()].filter((r) => coupled.get(r.id)?.state !== 'coupled');
  if (todo.length === 0) {
    return ok({
      didWork: false,
      message: 'Nothing to do: no new posted sales invoice',
      seenSeq: seq,
      state: { invoiceSeq: seq, retry: {} },
      jobId: null,
      created: 0,
      failed: 0,
      failures: [],
    });
  }
  const report = await createCrmInvoices(o, todo, trigger);
  if (!report.ok) return report;
  const retry: Record<string, number> = {};
  const byNumber = new Map(todo.map((r) => [String(r.number), r.id]));
  for (const r of report.value.results) {
    if (r.outcome !== 'failed') continue;
    const id = byNumber.get(r.number);
    if (!id) continue;
    const attempts = (state.retry?.[id] ?? 0) + 1;
    if (attempts < MAX_ATTEMPTS) retry[id] = attempts;
  }
  return ok({
    didWork: true,
    message: `${plural(report.value.created, 'invoice')} created in Dynamics 365 Sales, ${report.value.failed} failed`,
    seenSeq: seq,
    state: { invoiceSeq: seq, retry },
    jobId: report.value.jobId,
    created: report.value.created,
    failed: report.value.failed,
    failures: report.value.results
      .filter((r) => r.outcome === 'failed')
      .map((r) => ({ number: r.number, message: r.message })),
  });
}
