import { registerErrorCodes } from '../shared/error-codes.ts';

/** Failure codes only the command line reports (its exit code is what counts, not a status). */
export const CLI_ERROR_CODES = {
  documents_refused: 422,
  full_sync_failed: 422,
  // A line of the full synchronization was stopped by hand: it did not run to its end.
  full_sync_stopped: 409,
  conflicts_not_resolved: 422,
  no_kobling_data: 404,
} as const;

type CliCodes = typeof CLI_ERROR_CODES;

declare module '../shared/error-codes.ts' {
  interface ErrorCodeStatuses extends CliCodes {}
}

registerErrorCodes(CLI_ERROR_CODES);
