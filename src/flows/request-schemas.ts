import { z } from 'zod';

/**
 * The flows' request shapes, in one place for the two that check them: the integration API's
 * routes (each flow's routes.ts) and the command line (src/cli/commands), so an id the API
 * refuses is refused by `kobling` too, with the same rule.
 */

/** CRM document ids (sales orders, quotes) for *Create in ERP* and *Process in ERP*. */
export const crmIdsBody = z.strictObject({ crmIds: z.array(z.guid()).min(1).max(200) });

/** A customer number as Business Central keys it (Code[20]). */
export const customerNumber = z.string().min(1).max(20);
export const customerNumbersBody = z.strictObject({
  numbers: z.array(customerNumber).min(1).max(1000),
});

/** A posted sales invoice number (Code[20]). */
export const invoiceNumber = z.string().min(1).max(20);
export const invoiceNumbersBody = z.strictObject({
  numbers: z.array(invoiceNumber).min(1).max(1000),
});
