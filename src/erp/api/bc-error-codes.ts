import type { SharedErrorCode } from '../../shared/error-codes.ts';
import type { ErpErrorCode } from '../errors.ts';

/**
 * Business Central answers API failures with codes in families (`BadRequest_*` a malformed
 * request, `Authentication_*`/`Authorization_*` who is calling, `Internal_*` records and data
 * integrity, `Application_*` business logic; see docs/erp.md). The ERP's own codes map to them
 * here, in one table; the ERP's code stays available as `innererror.code`.
 */
export const BC_ERROR_CODES: Readonly<Partial<Record<ErpErrorCode | SharedErrorCode, string>>> = {
  // the request itself
  bad_request: 'BadRequest',
  invalid_json: 'BadRequest_InvalidRequestBody',
  validation_failed: 'BadRequest_InvalidRequestBody',
  unknown_field: 'BadRequest_InvalidRequestBody',
  read_only_field: 'BadRequest_InvalidOperation',
  invalid_id: 'BadRequest_NotFound',
  invalid_filter: 'BadRequest_NotFound',
  invalid_query: 'BadRequest_NotFound',
  resource_not_found: 'BadRequest_ResourceNotFound',
  not_found: 'Internal_RecordNotFound',
  method_not_allowed: 'BadRequest_MethodNotAllowed',
  payload_too_large: 'BadRequest_RequestBodyTooLarge',
  unsupported_media_type: 'BadRequest_InvalidRequestBody',
  precondition_required: 'BadRequest_PreconditionRequired',
  // who is calling
  unauthenticated: 'Authentication_InvalidCredentials',
  invalid_credentials: 'Authentication_InvalidCredentials',
  forbidden: 'Authorization_InsufficientPermissions',
  // records and their integrity
  document_not_found: 'Internal_RecordNotFound',
  company_not_found: 'Internal_CompanyNotFound',
  conflict: 'Internal_EntityWithSameKeyExists',
  already_exists: 'Internal_EntityWithSameKeyExists',
  in_use: 'Internal_RecordInUse',
  // A value with no record in the related table (BC's table relation check on validate).
  invalid_reference: 'Internal_InvalidTableRelation',
  precondition_failed: 'Request_EntityChanged',
  too_many_requests: 'Application_TooManyRequests',
  not_ready: 'Internal_ServiceUnavailable',
  internal_error: 'Internal_ServerError',
  seed_failed: 'Internal_ServerError',
};

/** What a business rule refused (blocked customer, nothing to post, …): BC's dialog error. */
const APPLICATION = 'Application_DialogException';

/** The BC code of an ERP error code. */
export const bcErrorCode = (code: string): string =>
  BC_ERROR_CODES[code as ErpErrorCode | SharedErrorCode] ?? APPLICATION;

/** Rewrites an error body `{error:{code,message,details?}}` into BC's shape. */
export function toBcError(body: {
  error: { code: string; message: string; details?: unknown };
}): unknown {
  const { code, message, details } = body.error;
  return {
    error: {
      code: bcErrorCode(code),
      message,
      innererror: details === undefined ? { code } : { code, details },
    },
  };
}
