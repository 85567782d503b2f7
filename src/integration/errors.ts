import { registerErrorCodes } from '../shared/error-codes.ts';

/** The integration's failure codes (connection, mappings), with their HTTP statuses. */
export const INTEGRATION_ERROR_CODES = {
  connection_disabled: 409,
  connection_incomplete: 409,
  connection_test_failed: 422,
  secret_unreadable: 409,
  // A process's start: its secret key is not the one the database's secrets are sealed with.
  secret_key_mismatch: 409,
  secret_key_missing: 409,
  mapping_invalid: 400,
  // A field mapping names a column the CRM table does not have (its metadata says so).
  unknown_crm_column: 400,
  // Field mappings name ERP fields the table does not have, and nothing else is wrong.
  unknown_erp_field: 400,
  line_busy: 409,
  // A stop of a full synchronization line that is done, failed, stopped or stopping already.
  line_not_stoppable: 409,
  no_failed_lines: 409,
  job_queue_unavailable: 503,
  mapping_busy: 409,
  mapping_held: 409,
  invalid_skiptoken: 400,
} as const;

type IntegrationCodes = typeof INTEGRATION_ERROR_CODES;
export type IntegrationErrorCode = keyof IntegrationCodes;

declare module '../shared/error-codes.ts' {
  interface ErrorCodeStatuses extends IntegrationCodes {}
}

registerErrorCodes(INTEGRATION_ERROR_CODES);
