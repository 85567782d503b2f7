import { registerErrorCodes } from '../shared/error-codes.ts';
import type { AppFailure } from '../shared/result.ts';

/** The sync engine's failure codes (coupling services and the engine), with their HTTP statuses. */
export const SYNC_ERROR_CODES = {
  already_coupled: 409,
  ambiguous_name: 409,
  dependency_not_coupled: 422,
  invalid_direction: 400,
  // Why one record of a pass fails (logged per record; the record comes back through the retry set).
  update_conflict: 409,
  coupled_record_deleted: 409,
  lookup_mapping_missing: 422,
  lookup_target_missing: 422,
  lookup_not_coupled: 422,
  erp_write_refused: 422,
  crm_write_refused: 422,
  option_missing: 422,
  // The conflict inbox (policy `ask`): resolving an entry.
  conflict_not_found: 404,
  conflict_not_open: 409,
  conflict_value_invalid: 422,
  // Why a whole pass stops (the job fails; its records are retried by the next run).
  crm_read_failed: 502,
  crm_unreachable: 502,
  option_mapping_invalid: 400,
  match_fields_missing: 422,
  // Why a job cannot be undone (docs/sync-engine.md, "Undo a job").
  job_running: 409,
  job_already_undone: 409,
  nothing_to_undo: 409,
  job_of_other_organization: 409,
  undo_has_dependents: 409,
} as const;

type SyncCodes = typeof SYNC_ERROR_CODES;
export type SyncErrorCode = keyof SyncCodes;

/** The one failure shape through the engine: a record's or a pass's failure, as logged. */
export type SyncFailure = AppFailure<SyncErrorCode>;

/** Builds an engine failure. */
export const syncFailure = (code: SyncErrorCode, message: string): SyncFailure => ({
  code,
  message,
});

declare module '../shared/error-codes.ts' {
  interface ErrorCodeStatuses extends SyncCodes {}
}

registerErrorCodes(SYNC_ERROR_CODES);

/**
 * A whole pass stops: thrown out of the pass (which cannot go on) and caught where the job is
 * finished, so the job records the failure's message.
 */
export class PassFailed extends Error {
  constructor(readonly failure: SyncFailure) {
    super(failure.message);
    this.name = 'PassFailed';
  }
}

/** The failure that stops a pass, ready to throw. */
export const passFailed = (code: SyncErrorCode, message: string): PassFailed =>
  new PassFailed(syncFailure(code, message));
