import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/db.ts';
import type { Clock } from '../../shared/clock.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import { agree } from '../../shared/plural.ts';
import { withApiStatus } from '../catalog/api-document-status.ts';
import { customerPayments } from '../catalog/document-entities.ts';
import { salesCreditMemos } from '../catalog/invoice-credit-memo-entities.ts';
import { archiveDocument } from '../documents/archives.ts';
import type { DocumentType } from '../documents/document-types.ts';
import { changeStatus, makeOrderFromQuote } from '../documents/release-and-convert.ts';
import { postCustomerPayment } from '../ledger/customer-payments.ts';
import { unapplyCreditMemo, unapplyCustomerPayment } from '../ledger/unapply-payment.ts';
import { type PostableType, postSalesDocument } from '../posting/post-sales-document.ts';
import { postSalesOrder } from '../posting/post-sales-order.ts';
import { getRecord } from '../records/record-store.ts';

const DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date yyyy-mm-dd');
const qty = z.union([z.number().finite().nonnegative(), z.string().regex(/^\d+(\.\d+)?$/)]);

/** Generated OData clients send a nullable parameter as null: read as "not given". */
const absent = <T extends z.ZodType>(t: T) =>
  t
    .nullable()
    .optional()
    .transform((v) => v ?? undefined);

const postBody = z
  .strictObject({
    postingDate: absent(DATE),
    lines: absent(
      z
        .array(
          z.strictObject({
            sequence: z.number().int().positive(),
            shipQuantity: absent(qty),
            invoiceQuantity: absent(qty),
          }),
        )
        .max(10_000),
    ),
  })
  .optional();

const POSITIVE_AMOUNT = 'The amount must be a positive number (greater than 0), e.g. 125.50';

export const paymentBody = z.strictObject({
  // BC takes the customer by customerNumber or customerId (one is needed; both must agree).
  customerNumber: z.string().min(1).max(20).optional(),
  customerId: z.string().uuid().optional(),
  amount: z.union(
    [
      z.number().finite().positive(POSITIVE_AMOUNT),
      z
        .string()
        .regex(/^\d*\.?\d+$/, POSITIVE_AMOUNT)
        .refine((v) => Number(v) > 0, POSITIVE_AMOUNT),
    ],
    { error: POSITIVE_AMOUNT },
  ),
  postingDate: DATE.optional(),
  currencyCode: z.string().max(10).nullable().optional(),
  appliesToInvoiceNumber: z.string().max(20).optional(),
  appliesToInvoiceId: z.string().uuid().optional(),
  postUnappliedIfPaid: z.boolean().optional(),
  externalDocumentNumber: z.string().max(35).optional(),
  description: z.string().max(100).optional(),
});

/** Validates a body with a strict zod schema, answering 400 unknown_field / validation_failed. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? undefined);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({
    path: i.path.join('.'),
    code: i.code,
    message: i.message,
  }));
  const unknown = parsed.error.issues.find((i) => i.code === 'unrecognized_keys') as
    | { keys: string[] }
    | undefined;
  if (unknown)
    throw new AppError(
      'unknown_field',
      `${agree(unknown.keys.length, 'Unknown field', 'Unknown fields')}: ${unknown.keys.join(', ')}`,
      {
        details: issues,
      },
    );
  throw new AppError(
    'validation_failed',
    issues.map((i) => `${i.path || 'body'}: ${i.message}`).join('; '),
    { details: issues },
  );
}

const unapplyBody = z.strictObject({ postingDate: DATE.optional() }).optional();

/** Runs a bound action `Microsoft.NAV.<name>` on a sales document; returns [status, body]. */
export async function runAction(
  db: Db,
  type: DocumentType,
  id: string,
  action: string,
  body: unknown,
  clock: Clock,
): Promise<[number, unknown]> {
  switch (`${type}:${action}`) {
    case 'Quote:release':
    case 'Order:release':
      return [200, withApiStatus(type, unwrap(await changeStatus(db, type, id, 'release')))];
    case 'Quote:reopen':
    case 'Order:reopen':
      return [200, withApiStatus(type, unwrap(await changeStatus(db, type, id, 'reopen')))];
    case 'Quote:archive':
    case 'Order:archive':
      return [201, unwrap(await archiveDocument(db, type, id))];
    case 'Quote:makeOrder':
      return [201, withApiStatus('Order', unwrap(await makeOrderFromQuote(db, id, {}, clock)))];
    case 'Order:shipAndInvoice':
    case 'Order:ship':
    case 'Order:invoice': {
      const input = parseBody(postBody, body) ?? {};
      const result = await postSalesOrder(
        db,
        id,
        { ship: action !== 'invoice', invoice: action !== 'ship', ...input },
        clock,
      );
      return [200, unwrap(result)];
    }
    case 'Invoice:post':
    case 'Credit Memo:post':
      // BC's post takes no parameters: the draft's posting date is used.
      parseBody(z.strictObject({}).optional(), body);
      return [200, unwrap(await postSalesDocument(db, type as PostableType, id, {}, clock))];
    case 'Credit Memo:unapply': {
      const input = parseBody(unapplyBody, body) ?? {};
      const memo = unwrap(await getRecord(db, salesCreditMemos, id));
      if (memo['status'] === 'Draft')
        throw new AppError('nothing_to_unapply', `Credit memo ${memo['number']} is not posted`);
      const number = String(memo['number']);
      return [
        200,
        unwrap(await unapplyCreditMemo(db, { creditMemoNumber: number, ...input }, clock)),
      ];
    }
    default:
      throw new AppError(
        'not_found',
        `No action Microsoft.NAV.${action} on sales ${type.toLowerCase()}s`,
      );
  }
}

/**
 * POST customerPayments: posts (and applies) a payment and answers the customerPayment entity, as
 * its `@odata.context` says; how much was applied shows on the invoice (`appliesToInvoiceId`).
 */
export async function postPayment(db: Db, body: unknown, clock: Clock): Promise<unknown> {
  const { customerId, ...input } = parseBody(paymentBody, body);
  let customerNumber = input.customerNumber;
  if (customerId !== undefined) {
    const r = await db.query<{ number: string }>('SELECT number FROM erp.customers WHERE id = $1', [
      customerId,
    ]);
    const number = r.rows[0]?.number;
    if (number === undefined)
      throw new AppError('invalid_reference', `customerId ${customerId} names no existing record`);
    if (customerNumber !== undefined && customerNumber !== number)
      throw new AppError(
        'validation_failed',
        `customerId and customerNumber name different records (${number} ≠ ${customerNumber})`,
      );
    customerNumber = number;
  }
  if (customerNumber === undefined)
    throw new AppError(
      'validation_failed',
      'A "customerNumber" or a "customerId" must be provided',
    );
  return unwrap(await postCustomerPayment(db, { ...input, customerNumber }, clock)).payment;
}

/** POST customerPayments({id})/Microsoft.NAV.unapply: undoes the payment's applications. */
export async function unapplyPayment(ctx: AppContext, id: string, body: unknown): Promise<unknown> {
  const input = parseBody(unapplyBody, body) ?? {};
  const payment = unwrap(await getRecord(ctx.db, customerPayments, id));
  return unwrap(
    await unapplyCustomerPayment(
      ctx.db,
      { paymentNumber: String(payment['documentNumber']), ...input },
      ctx.clock,
    ),
  );
}
