import { type Clock, isoDate, systemClock } from '../../shared/clock.ts';
import { dec, roundAmount } from '../../shared/money.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { customerPayments } from '../catalog/document-entities.ts';
import {
  amountDecimals,
  currencyFactor,
  localCurrency,
  normalizeCurrency,
} from '../master-data/currencies.ts';
import type { ApiRecord } from '../query/list-query.ts';
import { nextNumber } from '../records/number-series.ts';
import { getRecord } from '../records/record-store.ts';
import { atomic, type DbOrTx, emit } from '../records/transactions.ts';
import { applyToInvoice } from './apply-to-invoice.ts';

/**
 * A customer payment to post: amount positive, in `currencyCode` when given (null or '' is the
 * local currency), else in the applied invoice's currency, else in the customer's.
 */
export interface PaymentInput {
  readonly customerNumber: string;
  readonly amount: string | number;
  readonly postingDate?: string;
  readonly currencyCode?: string | null;
  /** Apply to this posted invoice (by number or id); otherwise the payment stays open. */
  readonly appliesToInvoiceNumber?: string;
  readonly appliesToInvoiceId?: string;
  /** When the named invoice is already paid in full, post the payment unapplied (else refused). */
  readonly postUnappliedIfPaid?: boolean;
  readonly externalDocumentNumber?: string;
  readonly description?: string;
}

export interface PaymentResult {
  readonly payment: ApiRecord;
  readonly appliedAmount: string;
  readonly invoiceNumber?: string;
  readonly invoiceRemainingAmount?: string;
  /** Payment status of the invoice as the CRM shows it: Partial or Complete. */
  readonly invoicePaymentStatus?: 'Partial' | 'Complete';
}

/**
 * Posts a payment as a customer ledger entry (negative amount) and, when an invoice is named,
 * applies it: the invoice entry's remaining amount (and the posted invoice's `remainingAmount`,
 * `status` Paid at zero) go down by the applied amount; any surplus stays open on the payment.
 * Exchange differences between invoice and payment dates are not posted (remaining LCY is
 * reduced in proportion). Emits `customerPayment.applied` (or `customerPayment.posted`).
 */
export function postCustomerPayment(
  db: DbOrTx,
  input: PaymentInput,
  clock: Clock = systemClock,
): Promise<Result<PaymentResult>> {
  return atomic(db, async (tx) => {
    const amountIn = dec(input.amount);
    if (!amountIn.isFinite() || amountIn.lte(0))
      return failure(
        'invalid_amount',
        'The payment amount must be a positive number (greater than 0)',
      );
    const customer = await tx.query<{ blocked: string; currency_code: string | null }>(
      'SELECT blocked, currency_code FROM erp.customers WHERE number = $1',
      [input.customerNumber],
    );
    const cust = customer.rows[0];
    if (!cust)
      return failure('invalid_reference', `Customer ${input.customerNumber} does not exist`);
    if (cust.blocked === 'All')
      return failure('customer_blocked', `Customer ${input.customerNumber} is blocked (All)`);
    const postingDate = input.postingDate ?? isoDate(clock.now());
    let invoice:
      | {
          id: string;
          number: string;
          entry_id: string;
          currency_code: string | null;
          amount: string;
          amount_lcy: string;
          remaining_amount: string;
          remaining_amount_lcy: string;
          customer_number: string;
        }
      | undefined;
    if (input.appliesToInvoiceNumber || input.appliesToInvoiceId) {
      const r = await tx.query<NonNullable<typeof invoice>>(
        `SELECT h.id, h.number, e.id AS entry_id, e.currency_code, e.amount, e.amount_lcy,
                e.remaining_amount, e.remaining_amount_lcy, e.customer_number
           FROM erp.sales_invoice_headers h
           JOIN erp.customer_ledger_entries e ON e.document_type = 'Invoice' AND e.document_number = h.number
          WHERE ${input.appliesToInvoiceId ? 'h.id = $1::uuid' : 'h.number = $1'}
          FOR UPDATE OF e, h`,
        [input.appliesToInvoiceId ?? input.appliesToInvoiceNumber],
      );
      invoice = r.rows[0];
      if (!invoice)
        return failure(
          'invalid_reference',
          `Posted sales invoice ${input.appliesToInvoiceNumber ?? input.appliesToInvoiceId} does not exist`,
        );
      if (invoice.customer_number !== input.customerNumber)
        return failure(
          'validation_failed',
          `Invoice ${invoice.number} belongs to customer ${invoice.customer_number}, not ${input.customerNumber}`,
        );
      // As BC's Applies-to Doc. No., which offers only open entries: a payment meant for an
      // invoice must not post quietly unapplied when that invoice is already paid.
      if (dec(invoice.remaining_amount).isZero()) {
        if (!input.postUnappliedIfPaid)
          return failure(
            'invoice_already_paid',
            `Invoice ${invoice.number} is paid in full; post the payment without an invoice to leave it unapplied`,
          );
        invoice = undefined;
      }
    }
    // Without a currency given, BC's journal line takes the applied invoice's currency, else the
    // customer's (GetCustomerAccount: "Currency Code" := Cust."Currency Code"); an already paid
    // invoice is not applied, so it gives none.
    const currency =
      input.currencyCode !== undefined
        ? await normalizeCurrency(tx, input.currencyCode)
        : invoice
          ? invoice.currency_code
          : await normalizeCurrency(tx, cust.currency_code);
    if (invoice && (invoice.currency_code ?? null) !== currency)
      return failure(
        'currency_mismatch',
        `Invoice ${invoice.number} is in ${invoice.currency_code ?? 'the local currency'}; the payment is in ${currency ?? 'the local currency'}`,
      );
    const dp = await amountDecimals(tx, currency);
    const lcyDp = (await localCurrency(tx)).decimals;
    const amount = roundAmount(amountIn, dp);
    const factor = await currencyFactor(tx, currency, postingDate);
    if (!factor.ok) return factor;
    const amountLcy = roundAmount(amount.div(factor.value), lcyDp);
    const series = await tx.query<{ s: string }>('SELECT payment_nos AS s FROM erp.sales_setup');
    const number = await nextNumber(tx, series.rows[0]!.s, {
      table: 'erp.customer_ledger_entries',
      column: 'document_number',
    });
    if (!number.ok) return number;
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO erp.customer_ledger_entries (customer_number, posting_date, document_type,
              document_number, description, external_document_number, currency_code, amount,
              amount_lcy, remaining_amount, remaining_amount_lcy, due_date)
       VALUES ($1, $2, 'Payment', $3, $4, $5, $6, $7, $8, $7, $8, $2) RETURNING id`,
      [
        input.customerNumber,
        postingDate,
        number.value,
        input.description ?? (invoice ? `Payment of invoice ${invoice.number}` : 'Payment'),
        input.externalDocumentNumber ?? '',
        currency,
        amount.neg().toString(),
        amountLcy.neg().toString(),
      ],
    );
    const paymentId = inserted.rows[0]!.id;
    let applied = dec(0);
    let invoiceRemaining: ReturnType<typeof dec> | undefined;
    if (invoice) {
      const a = await applyToInvoice(
        tx,
        {
          id: invoice.id,
          number: invoice.number,
          entryId: invoice.entry_id,
          amount: invoice.amount,
          amountLcy: invoice.amount_lcy,
          remainingAmount: invoice.remaining_amount,
          remainingAmountLcy: invoice.remaining_amount_lcy,
        },
        paymentId,
        amount,
        { postingDate, lcyDecimals: lcyDp },
      );
      applied = a.applied;
      invoiceRemaining = a.invoiceRemaining;
      // What is not applied stays open on the payment (a surplus).
      const left = amount.minus(applied);
      const leftLcy = left.isZero() ? dec(0) : amountLcy.minus(a.appliedLcy);
      await tx.query(
        `UPDATE erp.customer_ledger_entries SET remaining_amount = $2, remaining_amount_lcy = $3,
                open = $4, closed_at_date = CASE WHEN $4 THEN NULL ELSE $5::date END WHERE id = $1`,
        [paymentId, left.neg().toString(), leftLcy.neg().toString(), !left.isZero(), postingDate],
      );
    }
    const status = invoiceRemaining?.isZero() ? 'Complete' : 'Partial';
    await emit(
      tx,
      invoice ? 'customerPayment.applied' : 'customerPayment.posted',
      'customerPayment',
      paymentId,
      {
        customerNumber: input.customerNumber,
        paymentNumber: number.value,
        amount: amount.toFixed(dp),
        currencyCode: currency,
        ...(invoice
          ? {
              invoiceId: invoice.id,
              invoiceNumber: invoice.number,
              appliedAmount: applied.toFixed(dp),
              invoiceRemainingAmount: invoiceRemaining!.toFixed(dp),
              invoicePaymentStatus: status,
            }
          : {}),
      },
    );
    const payment = await getRecord(tx, customerPayments, paymentId);
    if (!payment.ok) return payment;
    return ok({
      payment: payment.value,
      appliedAmount: applied.toFixed(dp),
      ...(invoice
        ? {
            invoiceNumber: invoice.number,
            invoiceRemainingAmount: invoiceRemaining!.toFixed(dp),
            invoicePaymentStatus: status,
          }
        : {}),
    });
  });
}
