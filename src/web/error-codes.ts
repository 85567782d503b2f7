import { registerErrorCodes } from '../shared/error-codes.ts';

/** The web UI's own failure codes, with their HTTP statuses. */
export const WEB_ERROR_CODES = {
  crm_refused: 422,
} as const;

type WebCodes = typeof WEB_ERROR_CODES;

declare module '../shared/error-codes.ts' {
  interface ErrorCodeStatuses extends WebCodes {}
}

registerErrorCodes(WEB_ERROR_CODES);
