import type { Logger } from '../shared/logger.ts';
import { fail, ok, type Result } from '../shared/result.ts';
import { type BatchOptions, executeBatch, type OperationResult } from './batch.ts';
import {
  type ChangePeek,
  type ChangeSet,
  peekChanges,
  type TrackChangesOptions,
  trackChangePages,
  trackChanges,
} from './change-tracking.ts';
import { type DataverseError, dataverseError } from './errors.ts';
import { HttpPipeline } from './http-pipeline.ts';
import { type DataverseMetricsHooks, MetricsCounters, type MetricsSnapshot } from './metrics.ts';
import { type DataverseOperation, type DataverseRecord, toRequest } from './operations.ts';
import {
  annotationsPreference,
  mergePrefer,
  type Page,
  type PagedQuery,
  preferHeader,
  type ReadOptions,
  readPage,
} from './paging.ts';
import {
  buildQueryString,
  entityPath,
  type FunctionParameter,
  functionPath,
  type QueryOptions,
  type RecordKey,
} from './query.ts';
import { type OperationSuccess, operationSuccess, parseJson } from './responses.ts';
import { DEFAULT_RETRY, type RetryOptions } from './retry-policy.ts';
import { Semaphore, ThrottleGate } from './throttle.ts';
import type { TokenProvider } from './token-provider.ts';

export interface DataverseClientOptions {
  /** `https://<org>.crm.dynamics.com` (or the emulator's base URL). */
  readonly orgUrl: string;
  readonly tokenProvider: TokenProvider;
  /** Default `9.2`. */
  readonly apiVersion?: string;
  /** Requests in flight at once (default 8; Dataverse allows 52 per user). */
  readonly maxConcurrency?: number;
  /** Per-attempt timeout (default 120 s, Dataverse's own limit is 2 minutes). */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryOptions>;
  readonly logger?: Logger;
  readonly metrics?: DataverseMetricsHooks;
  /** Random source for jitter (tests). */
  readonly random?: () => number;
}

export interface WhoAmI {
  readonly UserId: string;
  readonly BusinessUnitId: string;
  readonly OrganizationId: string;
}

type Res<T> = Promise<Result<T, DataverseError>>;

/**
 * The Dataverse Web API client: typed operations over one resilient pipeline (concurrency cap,
 * shared throttle, timeouts, safe retries). Every method returns a `Result`; nothing throws for
 * server or network failures.
 *
 * @example
 * const client = new DataverseClient({ orgUrl, tokenProvider: clientCredentialsProvider({…}) });
 * const created = await client.create('accounts', { name: 'Contoso' }, { id: newId() });
 * if (!created.ok) log.warn(created.error);
 */
export class DataverseClient {
  readonly #pipeline: HttpPipeline;
  readonly #counters = new MetricsCounters();
  readonly apiUrl: string;

  constructor(options: DataverseClientOptions) {
    const base = options.orgUrl.replace(/\/+$/, '');
    this.apiUrl = `${base}/api/data/v${options.apiVersion ?? '9.2'}/`;
    this.#pipeline = new HttpPipeline({
      apiUrl: this.apiUrl,
      tokenProvider: options.tokenProvider,
      timeoutMs: options.timeoutMs ?? 120_000,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      semaphore: new Semaphore(options.maxConcurrency ?? 8),
      gate: new ThrottleGate(),
      counters: this.#counters,
      metrics: options.metrics,
      logger: options.logger,
      random: options.random,
    });
  }

  /** Counters since the client was built (for `/metrics`). */
  snapshot(): MetricsSnapshot {
    return this.#counters.snapshot();
  }

  /** Reads one record by id or alternate key; a missing one is `not_found`. */
  async retrieve<T = DataverseRecord>(
    entitySet: string,
    id: RecordKey,
    options: { select?: readonly string[]; expand?: QueryOptions['expand'] } & ReadOptions = {},
  ): Res<T> {
    const op: DataverseOperation = {
      kind: 'retrieve',
      entitySet,
      id,
      select: options.select,
      expand: options.expand,
    };
    const r = await this.#run(
      op,
      {},
      preferHeader(options.annotations && annotationsPreference(options.annotations)),
    );
    return r.ok ? ok((r.value.body ?? {}) as T) : r;
  }

  /** One page of a query; follow `nextLink` with `retrieveNextPage`, or use `retrieveAll`. */
  async retrieveMultiple<T = DataverseRecord>(
    entitySet: string,
    query: PagedQuery = {},
  ): Res<Page<T>> {
    return readPage<T>(this.#pipeline, entitySet + buildQueryString(query), query);
  }

  /** The page behind an `@odata.nextLink`. */
  async retrieveNextPage<T = DataverseRecord>(
    nextLink: string,
    options: Omit<PagedQuery, keyof QueryOptions> = {},
  ): Res<Page<T>> {
    return readPage<T>(this.#pipeline, nextLink, options);
  }

  /**
   * Every page of a query, as an async iterator of pages (each a Result). Stops after an error.
   *
   * @example
   * for await (const page of client.retrieveAll('accounts', { select: ['name'] }, { pageSize: 500 })) {
   *   if (!page.ok) return page;
   *   for (const account of page.value) …
   * }
   */
  async *retrieveAll<T = DataverseRecord>(
    entitySet: string,
    query: QueryOptions & ReadOptions = {},
    options: { pageSize?: number } = {},
  ): AsyncGenerator<Result<T[], DataverseError>> {
    const paged = { ...query, pageSize: options.pageSize };
    let page = await this.retrieveMultiple<T>(entitySet, paged);
    for (;;) {
      if (!page.ok) {
        yield page;
        return;
      }
      yield ok(page.value.value);
      if (!page.value.nextLink) return;
      page = await this.retrieveNextPage<T>(page.value.nextLink, paged);
    }
  }

  /** All rows of a query in one array (mind the memory on big tables). */
  async collectAll<T = DataverseRecord>(
    entitySet: string,
    query: QueryOptions = {},
    options: { pageSize?: number } = {},
  ): Res<T[]> {
    const rows: T[] = [];
    for await (const page of this.retrieveAll<T>(entitySet, query, options)) {
      if (!page.ok) return page;
      rows.push(...page.value);
    }
    return ok(rows);
  }

  /**
   * Creates a record. With `id` (or the primary key in the record) the GUID is the client's
   * choice, which makes the create safe to retry: a repeat that meets "duplicate key" counts as
   * success. Returns the id and the ETag (asks for the representation, primary key only unless
   * `select` names more columns).
   */
  async create(
    entitySet: string,
    record: DataverseRecord,
    options: { id?: string; primaryKey?: string; select?: readonly string[] } = {},
  ): Res<{ id: string; etag?: string; record?: DataverseRecord }> {
    const op: DataverseOperation = {
      kind: 'create',
      entitySet,
      record,
      id: options.id,
      primaryKey: options.primaryKey,
    };
    const request = toRequest(op, { returnRepresentation: true, select: options.select });
    if (!request.ok) return request;
    const select =
      options.select ?? (request.value.primaryKey ? [request.value.primaryKey] : undefined);
    const r = await this.#run(op, { returnRepresentation: true, select });
    if (!r.ok) return r;
    if (!r.value.id)
      return fail(
        dataverseError('invalid_response', `${entitySet}: create answered without an id`),
      );
    let { etag, body } = r.value;
    if (r.value.status >= 400) {
      // The first attempt's answer was lost but the record exists: read its ETag back.
      const again = await this.retrieve(entitySet, r.value.id, { select });
      if (!again.ok) return again;
      body = again.value;
      etag = typeof body['@odata.etag'] === 'string' ? body['@odata.etag'] : undefined;
    }
    return ok({ id: r.value.id, ...(etag ? { etag } : {}), ...(body ? { record: body } : {}) });
  }

  /**
   * Updates a record; never creates (`If-Match: *` unless an ETag is given, then a changed record
   * is `concurrency_conflict`, a missing one `not_found`).
   */
  async update(
    entitySet: string,
    id: RecordKey,
    patch: DataverseRecord,
    options: { ifMatch?: string; returnRepresentation?: boolean; select?: readonly string[] } = {},
  ): Res<OperationSuccess> {
    return this.#run({ kind: 'update', entitySet, id, patch, ifMatch: options.ifMatch }, options);
  }

  /** Creates or updates (PATCH without If-Match). */
  async upsert(
    entitySet: string,
    id: RecordKey,
    record: DataverseRecord,
    options: { returnRepresentation?: boolean; select?: readonly string[] } = {},
  ): Res<OperationSuccess> {
    return this.#run({ kind: 'upsert', entitySet, id, record }, options);
  }

  /** Deletes a record; with `ifMatch` only if it is unchanged. */
  async delete(entitySet: string, id: RecordKey, options: { ifMatch?: string } = {}): Res<void> {
    const r = await this.#run({ kind: 'delete', entitySet, id, ifMatch: options.ifMatch });
    return r.ok ? ok(undefined) : r;
  }

  /** Sets a single-valued lookup: PATCH `{"<nav>@odata.bind": "/<targetSet>(<id>)"}`. */
  async setLookup(
    entitySet: string,
    id: RecordKey,
    navigationProperty: string,
    targetSet: string,
    targetId: string,
  ): Res<OperationSuccess> {
    const target = entityPath(targetSet, targetId);
    if (!target)
      return fail(dataverseError('invalid_request', `${targetSet}: ${targetId} is not a GUID`));
    return this.update(entitySet, id, { [`${navigationProperty}@odata.bind`]: `/${target}` });
  }

  /** Adds to a collection-valued relationship: POST `<record>/<nav>/$ref`. */
  async associate(
    entitySet: string,
    id: RecordKey,
    navigationProperty: string,
    targetSet: string,
    targetId: string,
  ): Res<void> {
    const source = entityPath(entitySet, id);
    const target = entityPath(targetSet, targetId);
    if (!source || !target)
      return fail(dataverseError('invalid_request', 'associate needs GUIDs or alternate keys'));
    const r = await this.#pipeline.send({
      operation: 'associate',
      method: 'POST',
      path: `${source}/${navigationProperty}/$ref`,
      body: { '@odata.id': this.apiUrl + target },
      retryClass: 'idempotent',
    });
    return r.ok ? ok(undefined) : r;
  }

  /**
   * Removes a relationship: DELETE `<record>/<nav>/$ref` (single-valued lookup) or
   * `<record>/<nav>(<targetId>)/$ref` (one member of a collection).
   */
  async disassociate(
    entitySet: string,
    id: RecordKey,
    navigationProperty: string,
    targetId?: string,
  ): Res<void> {
    const source = entityPath(entitySet, id);
    if (!source)
      return fail(
        dataverseError('invalid_request', 'disassociate needs a GUID or an alternate key'),
      );
    const nav = targetId ? `${navigationProperty}(${targetId})` : navigationProperty;
    const r = await this.#pipeline.send({
      operation: 'disassociate',
      method: 'DELETE',
      path: `${source}/${nav}/$ref`,
      retryClass: 'idempotent',
    });
    return r.ok ? ok(undefined) : r;
  }

  /**
   * Calls an action (POST). Unbound: `callAction('WinQuote', {...})`; bound:
   * `callAction('CalculatePrice', {}, { bound: { entitySet: 'salesorders', id } })`. Actions are
   * retried only after 429 unless marked `idempotent`.
   */
  async callAction<T = DataverseRecord>(
    name: string,
    params: DataverseRecord = {},
    options: { bound?: { entitySet: string; id: RecordKey }; idempotent?: boolean } = {},
  ): Res<T | undefined> {
    const r = await this.#run({
      kind: 'action',
      name,
      params,
      bound: options.bound,
      idempotent: options.idempotent,
    });
    return r.ok ? ok(r.value.body as T | undefined) : r;
  }

  /**
   * Calls a function (GET) with parameters passed as aliases:
   * `callFunction('RetrieveTotalRecordCount', { EntityNames: ['account'] })`.
   */
  async callFunction<T = DataverseRecord>(
    name: string,
    params: Readonly<Record<string, FunctionParameter>> = {},
    options: { bound?: { entitySet: string; id: RecordKey } } = {},
  ): Res<T> {
    const path = functionPath(name, params, options.bound);
    if (!path) {
      return fail(
        dataverseError('invalid_request', 'a bound function needs a GUID or an alternate key'),
      );
    }
    const r = await this.#pipeline.send({
      operation: 'function',
      method: 'GET',
      path,
      retryClass: 'idempotent',
    });
    if (!r.ok) return r;
    const json = parseJson(r.value.body);
    return json.ok ? ok((json.value ?? {}) as T) : json;
  }

  /**
   * GETs any resource below the API that is neither a table nor a function, such as metadata:
   * `get("EntityDefinitions(LogicalName='account')/Attributes(LogicalName='paymenttermscode')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata", { expand: { OptionSet: true } })`.
   */
  async get<T = DataverseRecord>(path: string, query: QueryOptions = {}): Res<T> {
    const r = await this.#pipeline.send({
      operation: 'get',
      method: 'GET',
      path: path + buildQueryString(query),
      retryClass: 'idempotent',
    });
    if (!r.ok) return r;
    const json = parseJson(r.value.body);
    return json.ok ? ok((json.value ?? {}) as T) : json;
  }

  /** `WhoAmI`: the application user's id, business unit and organization (a connectivity check). */
  async whoAmI(): Res<WhoAmI> {
    return this.callFunction<WhoAmI>('WhoAmI');
  }

  /** Change tracking: the initial snapshot or the delta since `deltaLink`, with deleted ids. */
  async trackChanges<T = DataverseRecord>(
    entitySet: string,
    options: TrackChangesOptions = {},
  ): Res<ChangeSet<T>> {
    return trackChanges<T>(this.#pipeline, entitySet, options);
  }

  /** `trackChanges` page by page (see trackChangePages). */
  trackChangePages<T = DataverseRecord>(entitySet: string, options: TrackChangesOptions = {}) {
    return trackChangePages<T>(this.#pipeline, entitySet, options);
  }

  /** One cheap request: has anything changed since `deltaLink`? (The link is not consumed.) */
  async peekChanges(deltaLink: string): Res<ChangePeek> {
    return peekChanges(this.#pipeline, deltaLink);
  }

  /**
   * Runs any number of operations through `$batch` (≤ 1,000 per request; change sets atomic) and
   * returns one result per operation in input order.
   */
  async executeBatch(
    operations: readonly DataverseOperation[],
    options: BatchOptions = {},
  ): Promise<OperationResult[]> {
    return executeBatch(this.#pipeline, operations, options);
  }

  /** Runs one operation on its own. */
  async execute(
    op: DataverseOperation,
    options: { returnRepresentation?: boolean; select?: readonly string[] } = {},
  ): Res<OperationSuccess> {
    return this.#run(op, options);
  }

  async #run(
    op: DataverseOperation,
    options: { returnRepresentation?: boolean; select?: readonly string[] } = {},
    extraHeaders: Record<string, string> = {},
  ): Res<OperationSuccess> {
    const request = toRequest(op, options);
    if (!request.ok) return request;
    const req = request.value;
    const r = await this.#pipeline.send({
      operation: req.operation,
      method: req.method,
      path: req.path,
      headers: mergePrefer(req.headers, extraHeaders),
      body: req.body,
      retryClass: req.retryClass,
      duplicateMeansDone: req.duplicateMeansDone,
    });
    if (!r.ok) return r;
    if (r.value.duplicateAfterRetry) return ok({ status: r.value.status, id: req.id });
    return operationSuccess(req, r.value.status, (n) => r.value.headers.get(n), r.value.body);
  }
}
