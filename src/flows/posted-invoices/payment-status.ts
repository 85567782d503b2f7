import { type InvoicePaymentStatus, invoicePaymentStates } from '../../erp/public-api.ts';
import { ok, type Result } from '../../shared/result.ts';
import type { CrmWrite } from '../../sync/ports.ts';
import type { OutboundContext } from '../outbound-context.ts';
import { INVOICE_STATE, INVOICE_STATUS } from './invoice-values.ts';

/** The CRM invoice state and status that show an ERP payment status. */
const TARGET: Record<InvoicePaymentStatus, { statecode: number; statuscode: number }> = {
  Open: { statecode: INVOICE_STATE.active, statuscode: INVOICE_STATUS.billed },
  Partial: { statecode: INVOICE_STATE.paid, statuscode: INVOICE_STATUS.partial },
  Paid: { statecode: INVOICE_STATE.paid, statuscode: INVOICE_STATUS.complete },
};

export interface PaymentStatusReport {
  /** CRM invoices whose status changed. */
  readonly modified: number;
  readonly unchanged: number;
  readonly failed: readonly { invoiceNumber: string; message: string }[];
  readonly invoices: readonly {
    invoiceNumber: string;
    crmInvoiceId: string;
    paymentStatus: InvoicePaymentStatus;
  }[];
}

/**
 * Shows the payment status of posted invoices on their coupled CRM invoices: nothing left to pay →
 * Paid / Complete, partly paid → Paid / Partial, nothing paid (or a payment unapplied) → Active /
 * Billed. Only invoices whose status differs are written; a Paid invoice that must change is
 * first made Active again (Dataverse changes a closed invoice's state only that way).
 */
export async function updatePaymentStatus(
  o: OutboundContext,
  invoiceIds: readonly string[],
): Promise<Result<PaymentStatusReport>> {
  const states = await invoicePaymentStates(o.app.db, invoiceIds);
  if (!states.ok) return states;
  const coupled = await o.engine.db.query<{ erp_id: string; crm_id: string }>(
    `SELECT erp_id, crm_id FROM integration.couplings
      WHERE erp_table = 'salesInvoices' AND erp_id = ANY($1::uuid[]) AND state = 'coupled'`,
    [invoiceIds],
  );
  const crmIdOf = new Map(coupled.rows.map((r) => [r.erp_id, r.crm_id]));
  const relevant = states.value.filter((s) => crmIdOf.has(s.invoiceId));
  const current = await o.engine.crm.get(
    'invoice',
    relevant.map((s) => crmIdOf.get(s.invoiceId)!),
  );
  if (!current.ok) return current;
  const reactivate: CrmWrite[] = [];
  const target: CrmWrite[] = [];
  const numberOf = new Map<string, string>();
  const invoices: PaymentStatusReport['invoices'][number][] = [];
  let unchanged = 0;
  for (const s of relevant) {
    const crmId = crmIdOf.get(s.invoiceId)!;
    const row = current.value.get(crmId);
    if (!row) continue;
    numberOf.set(crmId, s.invoiceNumber);
    invoices.push({ invoiceNumber: s.invoiceNumber, crmInvoiceId: crmId, paymentStatus: s.status });
    const want = TARGET[s.status];
    const state = Number(row.values.statecode);
    if (state === want.statecode && Number(row.values.statuscode) === want.statuscode) {
      unchanged++;
      continue;
    }
    if (state !== INVOICE_STATE.active) {
      reactivate.push({
        kind: 'update',
        entity: 'invoice',
        id: crmId,
        values: { ...TARGET.Open },
      });
    }
    if (want.statecode !== INVOICE_STATE.active || state === INVOICE_STATE.active)
      target.push({ kind: 'update', entity: 'invoice', id: crmId, values: { ...want } });
  }
  const failed = new Map<string, string>();
  for (const batch of [reactivate, target]) {
    const todo = batch.filter((w) => !failed.has(w.id));
    if (todo.length === 0) continue;
    const r = await o.engine.crm.write(todo);
    if (!r.ok) return r;
    r.value.forEach((res, i) => {
      if (!res.ok) failed.set(todo[i]!.id, res.message);
    });
  }
  const changedIds = new Set([...reactivate, ...target].map((w) => w.id));
  return ok({
    modified: [...changedIds].filter((id) => !failed.has(id)).length,
    unchanged,
    failed: [...failed].map(([id, message]) => ({
      invoiceNumber: numberOf.get(id) ?? id,
      message,
    })),
    invoices,
  });
}
