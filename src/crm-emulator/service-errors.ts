import { registerErrorCodes } from '../shared/error-codes.ts';

/** Failures of starting the emulator as a service (its API answers Dataverse-shaped errors.ts). */
export const CRM_SERVICE_ERROR_CODES = {
  crm_secret_file_foreign: 409,
} as const;

type CrmServiceCodes = typeof CRM_SERVICE_ERROR_CODES;

declare module '../shared/error-codes.ts' {
  interface ErrorCodeStatuses extends CrmServiceCodes {}
}

registerErrorCodes(CRM_SERVICE_ERROR_CODES);
