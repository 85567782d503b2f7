import type { Db, Queryable } from '../../db/db.ts';
import type { Preferences } from '../odata/prefer.ts';

/** The application user a token was issued to. */
export interface Caller {
  readonly clientId: string;
  readonly systemUserId: string;
}

/** Facts about the org the emulator fills in on writes (base currency, root business unit). */
export interface OrgFacts {
  readonly organizationId: string;
  readonly businessUnitId: string;
  readonly baseCurrencyId: string;
}

/** One Web API request: a top-level one or an operation of a `$batch`. */
export interface ApiRequest {
  readonly method: string;
  /** Absolute URL. */
  readonly url: URL;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

/** Everything a handler needs: database, caller, org facts, the open change set if any. */
export interface RequestContext {
  readonly db: Db;
  readonly caller: Caller;
  readonly org: OrgFacts;
  /** `http://host:port/api/data/v9.2/` */
  readonly apiUrl: string;
  readonly now: Date;
  readonly prefs: Preferences;
  /** The transaction of the change set this operation belongs to. */
  readonly tx?: Queryable;
  /** Declared alternate keys by table (none by default, as in Dataverse). */
  readonly alternateKeys?: Readonly<Record<string, readonly (readonly string[])[]>>;
}

/** What a write works with: the transaction plus the request context. */
export interface WriteContext extends RequestContext {
  readonly q: Queryable;
}

export const JSON_TYPE = 'application/json; odata.metadata=minimal';

export const jsonResponse = (
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): ApiResponse => ({
  status,
  headers: { 'Content-Type': JSON_TYPE, 'OData-Version': '4.0', ...headers },
  body: JSON.stringify(body),
});

export const emptyResponse = (status: number, headers: Record<string, string> = {}) => ({
  status,
  headers: { 'OData-Version': '4.0', ...headers },
});
