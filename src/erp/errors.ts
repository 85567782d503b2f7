import { registerErrorCodes } from '../shared/error-codes.ts';

/** The ERP's expected-failure codes and their HTTP statuses (registered once at import). */
export const ERP_ERROR_CODES = {
  invalid_filter: 400,
  invalid_query: 400,
  read_only_field: 400,
  document_not_found: 404,
  resource_not_found: 404,
  company_not_found: 404,
  invalid_reference: 422,
  in_use: 409,
  customer_blocked: 422,
  item_blocked: 422,
  resource_blocked: 422,
  no_lines: 422,
  nothing_to_post: 422,
  quantity_exceeds_remaining: 422,
  invalid_transition: 409,
  document_released: 409,
  document_posted: 409,
  exchange_rate_missing: 422,
  currency_mismatch: 422,
  invalid_amount: 422,
  invalid_date_formula: 422,
  write_in_product_missing: 422,
  unit_of_measure_missing: 422,
  nothing_to_unapply: 422,
  invoice_already_paid: 409,
  seed_failed: 500,
} as const;

type ErpCodes = typeof ERP_ERROR_CODES;
/** A failure only the ERP reports (with the shared codes, what ERP functions answer with). */
export type ErpErrorCode = keyof ErpCodes;

declare module '../shared/error-codes.ts' {
  interface ErrorCodeStatuses extends ErpCodes {}
}

registerErrorCodes(ERP_ERROR_CODES);
