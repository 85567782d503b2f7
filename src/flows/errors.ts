import { carriedAnswer } from '../dataverse/index.ts';
import { registerErrorCodes, registerFailureAnswers } from '../shared/error-codes.ts';

/**
 * The lead-to-cash flows' failure codes, with their HTTP statuses: what a flow refuses about a CRM
 * document (422), and a CRM call that failed underneath (502).
 */
export const FLOWS_ERROR_CODES = {
  crm_request_failed: 502,
  account_not_customer: 422,
  customer_not_coupled: 422,
  no_customer: 422,
  currency_not_coupled: 422,
  product_not_coupled: 422,
  product_not_active: 422,
  unexpected_product_type: 422,
  unit_not_coupled: 422,
  write_in_product_coupled: 422,
  quote_not_active: 422,
  quote_order_missing: 422,
  order_not_submitted: 422,
  not_coupled: 422,
  mapping_missing: 409,
  customer_changed: 422,
  ambiguous_order: 409,
  crm_write_failed: 502,
  in_progress: 409,
  currency_missing: 422,
  invoice_not_created: 422,
  already_running: 409,
  job_failed: 500,
} as const;

type FlowsCodes = typeof FLOWS_ERROR_CODES;
export type FlowsErrorCode = keyof FlowsCodes;

declare module '../shared/error-codes.ts' {
  interface ErrorCodeStatuses extends FlowsCodes {}
}

registerErrorCodes(FLOWS_ERROR_CODES);

// A CRM call under a flow that the CRM throttled (still after the connector's retries) is a 503
// with the CRM's Retry-After, as the integration's own answers (src/dataverse/errors.ts); any
// other failure of it stays the code's 502.
registerFailureAnswers(['crm_request_failed'], (failure) => {
  const code = (failure as { details?: { crmCode?: unknown } }).details?.crmCode;
  if (code !== 'throttled' && code !== 'http_error') return { status: 502 };
  const answer = carriedAnswer(code, failure);
  return answer.status === 503
    ? answer
    : { status: 502, ...(answer.headers ? { headers: answer.headers } : {}) };
});
