import type { Queryable } from '../../db/db.ts';
import { type Clock, isoDate, systemClock } from '../../shared/clock.ts';
import { dec, roundAmount } from '../../shared/money.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { appliesToInvoice } from '../documents/applies-to-invoice.ts';
import type { HeaderRow } from '../documents/document-lines.ts';
import { loadHeader } from '../documents/sales-documents.ts';
import { applyToInvoice } from '../ledger/apply-to-invoice.ts';
import { paymentStatusOf } from '../ledger/invoice-payment-status.ts';
import { amountDecimals, localCurrency } from '../master-data/currencies.ts';
import { applyDateFormula } from '../master-data/date-formula.ts';
import { nextNumber } from '../records/number-series.ts';
import { atomic, type DbOrTx, emit } from '../records/transactions.ts';
import { insertPostedDocument, type PostedLine } from './posted-document-rows.ts';

/** Which drafts post here: an invoice, or a credit memo. */
export type PostableType = 'Invoice' | 'Credit Memo';

export interface PostDocumentResult {
  /** The posted document keeps the draft's id (as BC's API does). */
  readonly id: string;
  readonly draftNumber: string;
  readonly number: string;
  readonly customerNumber: string;
  readonly totalAmountIncludingTax: string;
  /** A credit memo applied to an invoice: the invoice, what was applied and what is left. */
  readonly invoiceNumber?: string;
  readonly appliedAmount?: string;
  readonly invoiceRemainingAmount?: string;
  readonly invoicePaymentStatus?: 'Partial' | 'Complete';
}

const SETUP = {
  Invoice: {
    series: 'posted_invoice_nos',
    table: 'erp.sales_invoice_headers',
    aggregate: 'salesInvoice',
    sign: 1,
  },
  'Credit Memo': {
    series: 'posted_credit_memo_nos',
    table: 'erp.sales_cr_memo_headers',
    aggregate: 'salesCreditMemo',
    sign: -1,
  },
} as const;

/**
 * Posts a draft sales invoice or credit memo as BC does, in one transaction: checks (customer and
 * items not blocked, lines to post), the posted document with the draft's id and its lines, item
 * ledger entries (an invoice takes items out of inventory, a credit memo brings them back), the
 * customer ledger entry (negative for a credit memo, with Sales (LCY) negative too) and, for a
 * credit memo naming an invoice, its application to the invoice's open entry. The draft is
 * deleted. Emits `salesInvoice.posted` / `salesCreditMemo.posted`.
 */
export function postSalesDocument(
  db: DbOrTx,
  type: PostableType,
  id: string,
  input: { postingDate?: string } = {},
  clock: Clock = systemClock,
): Promise<Result<PostDocumentResult>> {
  return atomic(db, async (tx) => {
    const loaded = await loadHeader(tx, id, type, true);
    if (!loaded.ok) return alreadyPosted(tx, type, id, loaded);
    const header = loaded.value;
    const postingDate = input.postingDate ?? header.posting_date ?? isoDate(clock.now());
    const blocked = await blockedCustomer(tx, header);
    if (!blocked.ok) return blocked;
    const lines = await linesToPost(tx, header);
    if (!lines.ok) return lines;
    const invoice = await appliesToInvoice(tx, header, true);
    if (!invoice.ok) return invoice;
    const setup = SETUP[type];
    const series = await tx.query<{ s: string }>(
      `SELECT ${setup.series} AS s FROM erp.sales_setup`,
    );
    const number = await nextNumber(tx, series.rows[0]!.s, { table: setup.table });
    if (!number.ok) return number;
    const due = await dueDate(tx, header, postingDate);
    if (!due.ok) return due;
    const dp = await amountDecimals(tx, header.currency_code);
    const lcyDp = (await localCurrency(tx)).decimals;
    const net = dec(header['total_amount_excluding_tax'] as string);
    const incl = dec(header['total_amount_including_tax'] as string);
    await insertPostedDocument(tx, type, header, lines.value, {
      number: number.value,
      postingDate,
      dueDate: due.value,
    });
    const factor = dec(header.currency_factor);
    const inclLcy = roundAmount(incl.div(factor), lcyDp);
    const entry = await tx.query<{ id: string }>(
      `INSERT INTO erp.customer_ledger_entries (customer_number, posting_date, document_type,
              document_number, description, external_document_number, currency_code, amount, amount_lcy,
              sales_lcy, remaining_amount, remaining_amount_lcy, due_date)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $8, $9, $11) RETURNING id`,
      [
        header['bill_to_customer_number'],
        postingDate,
        type,
        number.value,
        `${type} ${number.value}`,
        header['external_document_number'] ?? '',
        header.currency_code,
        incl.times(setup.sign).toString(),
        inclLcy.times(setup.sign).toString(),
        roundAmount(net.div(factor), lcyDp).times(setup.sign).toString(),
        due.value,
      ],
    );
    const entryId = entry.rows[0]!.id;
    let applied: PostDocumentResult | undefined;
    if (invoice.value) {
      const a = await applyToInvoice(tx, invoice.value, entryId, incl, {
        postingDate,
        lcyDecimals: lcyDp,
      });
      const left = incl.minus(a.applied);
      const leftLcy = left.isZero() ? dec(0) : inclLcy.minus(a.appliedLcy);
      await tx.query(
        `UPDATE erp.customer_ledger_entries SET remaining_amount = $2, remaining_amount_lcy = $3,
                open = $4, closed_at_date = CASE WHEN $4 THEN NULL ELSE $5::date END WHERE id = $1`,
        [entryId, left.neg().toString(), leftLcy.neg().toString(), !left.isZero(), postingDate],
      );
      await tx.query(
        'UPDATE erp.sales_cr_memo_headers SET remaining_amount = $2, status = $3 WHERE id = $1',
        [id, left.toString(), left.isZero() ? 'Paid' : 'Open'],
      );
      const status = paymentStatusOf(invoice.value.amount, a.invoiceRemaining.toString());
      applied = {
        invoiceNumber: invoice.value.number,
        appliedAmount: a.applied.toFixed(dp),
        invoiceRemainingAmount: a.invoiceRemaining.toFixed(dp),
        ...(status === 'Open'
          ? {}
          : { invoicePaymentStatus: status === 'Paid' ? 'Complete' : 'Partial' }),
      } as PostDocumentResult;
    }
    // The draft's lines go with it (cascade); the posted document now carries its id.
    await tx.query('DELETE FROM erp.sales_headers WHERE id = $1', [id]);
    const result: PostDocumentResult = {
      id,
      draftNumber: header.number,
      number: number.value,
      customerNumber: header['bill_to_customer_number'] as string,
      totalAmountIncludingTax: incl.toFixed(dp),
      ...applied,
    };
    await emit(tx, `${setup.aggregate}.posted`, setup.aggregate, id, {
      ...result,
      currencyCode: header.currency_code,
      customerLedgerEntryId: entryId,
    });
    return ok(result);
  });
}

/** A second post of the same draft finds the posted document: say so instead of "not found". */
async function alreadyPosted(
  tx: Queryable,
  type: PostableType,
  id: string,
  loaded: Result<HeaderRow>,
): Promise<Result<never>> {
  const table = type === 'Invoice' ? 'erp.sales_invoice_headers' : 'erp.sales_cr_memo_headers';
  const r = await tx.query<{ number: string }>(`SELECT number FROM ${table} WHERE id = $1`, [id]);
  if (r.rows[0])
    return failure(
      'invalid_transition',
      `${type} ${r.rows[0].number} is already posted; a posted document cannot be posted again`,
    );
  return loaded as Result<never>;
}

async function blockedCustomer(tx: Queryable, header: HeaderRow): Promise<Result<void>> {
  const r = await tx.query<{ number: string; blocked: string }>(
    'SELECT number, blocked FROM erp.customers WHERE number = ANY($1)',
    [[header.customer_number, header['bill_to_customer_number']]],
  );
  for (const c of r.rows) {
    // BC lets a credit memo post for a customer blocked for invoicing, not for one blocked (All).
    if (c.blocked === 'All' || (c.blocked === 'Invoice' && header.document_type === 'Invoice'))
      return failure(
        'customer_blocked',
        `Customer ${c.number} is blocked (${c.blocked}); ${header.document_type.toLowerCase()} ${header.number} cannot be posted`,
      );
  }
  return ok(undefined);
}

async function linesToPost(tx: Queryable, header: HeaderRow): Promise<Result<PostedLine[]>> {
  const rows = (
    await tx.query<PostedLine>(
      `SELECT l.*, coalesce(i.blocked, r.blocked, false) AS object_blocked, i.type AS item_type
         FROM erp.sales_lines l
         LEFT JOIN erp.items i ON l.line_type = 'Item' AND i.number = l.number
         LEFT JOIN erp.resources r ON l.line_type = 'Resource' AND r.number = l.number
        WHERE l.document_id = $1 ORDER BY l.line_number FOR UPDATE OF l`,
      [header.id],
    )
  ).rows;
  const postable = rows.filter((l) => l.line_type !== 'Comment' && dec(l.quantity).gt(0));
  if (postable.length === 0)
    return failure('no_lines', `${header.document_type} ${header.number} has no lines to post`);
  const blocked = postable.find((l) => l.object_blocked);
  if (blocked)
    return failure(
      blocked.line_type === 'Item' ? 'item_blocked' : 'resource_blocked',
      `${blocked.line_type} ${blocked.number} on line ${blocked.line_number} is blocked`,
    );
  return ok(rows);
}

/** The draft's due date, or the payment terms' due date from the posting date. */
async function dueDate(
  tx: Queryable,
  header: HeaderRow,
  postingDate: string,
): Promise<Result<string>> {
  if (header['due_date']) return ok(String(header['due_date']));
  const terms = await tx.query<{ f: string }>(
    'SELECT due_date_calculation AS f FROM erp.payment_terms WHERE code = $1',
    [header['payment_terms_code']],
  );
  return applyDateFormula(terms.rows[0]?.f ?? '0D', postingDate);
}
