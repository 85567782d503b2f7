import type { AppContext } from '../../app/context.ts';
import { invoicePaymentStates, listEntities } from '../../erp/public-api.ts';
import { ok, type Result } from '../../shared/result.ts';
import { couplingsByErpIds } from '../../sync/couplings/coupling-repo.ts';

export interface PostedInvoiceView {
  readonly id: string;
  readonly number: string;
  readonly customerNumber: string;
  readonly customerName: string;
  readonly orderNumber: string;
  readonly postingDate: string;
  readonly dueDate: string;
  readonly currencyCode: string | null;
  readonly totalAmountExcludingTax: number;
  readonly totalAmountIncludingTax: number;
  readonly remainingAmount: number;
  /** Open, Partial or Paid (from the invoice's customer ledger entry). */
  readonly paymentStatus: string | null;
  /** The coupled CRM invoice, when there is one. */
  readonly crmInvoiceId: string | null;
  /** `coupled`, `pending` (being created) or `none`. */
  readonly coupling: string;
}

/** Posted sales invoices, newest first, with their payment status and coupled CRM invoice. */
export async function listPostedInvoices(
  ctx: AppContext,
  q: { customerNumber?: string; top: number; skip: number },
): Promise<Result<PostedInvoiceView[]>> {
  const rows = await listEntities(ctx.db, 'salesInvoices', {
    top: q.top,
    skip: q.skip,
    orderby: 'number desc',
    ...(q.customerNumber
      ? { filter: `customerNumber eq '${q.customerNumber.replaceAll("'", "''")}'` }
      : {}),
  });
  if (!rows.ok) return rows;
  const ids = rows.value.map((x) => x.id);
  const couplings = await couplingsByErpIds(ctx.db, 'salesInvoices', ids);
  const states = await invoicePaymentStates(ctx.db, ids);
  const stateOf = new Map((states.ok ? states.value : []).map((s) => [s.invoiceId, s]));
  return ok(
    rows.value.map((x) => {
      const c = couplings.get(x.id);
      return {
        id: x.id,
        number: String(x.number),
        customerNumber: String(x.customerNumber),
        customerName: String(x.customerName ?? ''),
        orderNumber: String(x.orderNumber ?? ''),
        postingDate: String(x.postingDate),
        dueDate: String(x.dueDate),
        currencyCode: (x.currencyCode as string | null) ?? null,
        totalAmountExcludingTax: Number(x.totalAmountExcludingTax),
        totalAmountIncludingTax: Number(x.totalAmountIncludingTax),
        remainingAmount: Number(x.remainingAmount),
        paymentStatus: stateOf.get(x.id)?.status ?? null,
        crmInvoiceId: c?.state === 'coupled' ? c.crmId : null,
        coupling: c ? c.state : 'none',
      };
    }),
  );
}
