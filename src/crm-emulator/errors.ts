/**
 * Dataverse-shaped failures: an HTTP status, the hex error code Dataverse puts in
 * `{"error":{"code","message"}}`, and the message. Thrown inside the emulator's request handling
 * and turned into a response in one place (`errorResponse` in `api/router.ts`).
 */
export class CrmError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers?: Record<string, string>;

  constructor(status: number, code: string, message: string, headers?: Record<string, string>) {
    super(message);
    this.name = 'CrmError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** Error codes as Dataverse returns them (see docs/crm-emulator.md for the list). */
export const CODES = {
  objectDoesNotExist: '0x80040217',
  duplicateRecord: '0x80040237',
  concurrencyMismatch: '0x80060882',
  queryError: '0x80060888',
  resourceNotFound: '0x8006088a',
  invalidProperty: '0x80048d19',
  invalidArgument: '0x80040203',
  validation: '0x80044331',
  invalidStateTransition: '0x80043b0c',
  readOnlyRecord: '0x80040227',
  badBatch: '0x80048d1b',
  notSupported: '0x80040800',
  tooManyRequests: '0x80072322',
  executionTime: '0x80072321',
  concurrentRequests: '0x80072326',
  unauthorized: '0x80072560',
  unavailable: '0x80040224',
  unexpected: '0x80040216',
} as const;

export const notFound = (entity: string, id: string) =>
  new CrmError(404, CODES.objectDoesNotExist, `${entity} With Id = ${id} Does Not Exist`);

export const badRequest = (message: string, code: string = CODES.invalidArgument) =>
  new CrmError(400, code, message);

export const queryError = (message: string) => new CrmError(400, CODES.queryError, message);

export const duplicateKey = () =>
  new CrmError(412, CODES.duplicateRecord, 'A record with matching key values already exists.');

export const concurrencyMismatch = () =>
  new CrmError(
    412,
    CODES.concurrencyMismatch,
    "The version of the existing record doesn't match the RowVersion property provided.",
  );

export const segmentNotFound = (segment: string) =>
  new CrmError(404, CODES.resourceNotFound, `Resource not found for the segment '${segment}'.`);

export const invalidProperty = (name: string, entity: string) =>
  new CrmError(
    400,
    CODES.invalidProperty,
    `Invalid property '${name}' was found in entity 'Microsoft.Dynamics.CRM.${entity}'.`,
  );

/** Error body of Dataverse. */
export const errorBody = (code: string, message: string) => ({ error: { code, message } });
