export type { BatchOptions, OperationResult } from './batch.ts';
export { MAX_BATCH_OPERATIONS, planBatches } from './batch.ts';
export type { ChangePeek, ChangeSet, TrackChangesOptions } from './change-tracking.ts';
export { relativeDeltaLink } from './change-tracking.ts';
export type { DataverseClientOptions, WhoAmI } from './client.ts';
export { DataverseClient } from './client.ts';
export { primaryKeyOf } from './entity-keys.ts';
export type { DataverseError, DataverseErrorCode } from './errors.ts';
export { carriedAnswer, DATAVERSE_CODES, hostAndPort, TRANSPORT_CODES } from './errors.ts';
export type { DataverseMetricsHooks, MetricsSnapshot, RequestInfo } from './metrics.ts';
export type { MsalCertificate, MsalProviderOptions } from './msal-provider.ts';
export { msalProvider } from './msal-provider.ts';
export type { DataverseOperation, DataverseRecord } from './operations.ts';
export type { Page, PagedQuery, ReadOptions } from './paging.ts';
export type {
  AlternateKey,
  ExpandOptions,
  FunctionParameter,
  QueryOptions,
  RecordKey,
} from './query.ts';
export { bindPath, lookup, odataGuid, odataString } from './query.ts';
export { probeOrganization } from './reachability.ts';
export type { OperationSuccess } from './responses.ts';
export type { RetryOptions } from './retry-policy.ts';
export type { ClientCredentialsOptions, TokenProvider } from './token-provider.ts';
export { clientCredentialsProvider, staticTokenProvider } from './token-provider.ts';
