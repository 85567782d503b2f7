import { registerErrorCodes } from '../shared/error-codes.ts';

/** The sync engine's failure codes (coupling services and the engine), with their HTTP statuses. */
export const SYNC_ERROR_CODES = {
  already_coupled: 409,
  ambiguous_name: 409,
  dependency_not_coupled: 422,
  invalid_direction: 400,
} as const;

type SyncCodes = typeof SYNC_ERROR_CODES;
export type SyncErrorCode = keyof SyncCodes;

declare module '../shared/error-codes.ts' {
  interface ErrorCodeStatuses extends SyncCodes {}
}

registerErrorCodes(SYNC_ERROR_CODES);
