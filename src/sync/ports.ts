import type { Result } from '../shared/result.ts';
import type { FilterCondition } from './model.ts';

/**
 * The two interfaces through which the engine sees the systems it couples. The engine holds no
 * ERP or Dataverse specifics: adapters (src/integration/adapters) implement these over the ERP service
 * layer and the Dataverse connector.
 */

/**
 * The actor the ERP port writes as (the ERP stamps it as `modified_by`): a row last modified by it
 * is the integration's own echo, not a user's change.
 */
export const ERP_INTEGRATION_ACTOR = 'integration';

/** One ERP row as the engine sees it: id, change capture, and field values by API name. */
export interface ErpRecord {
  readonly id: string;
  /** The global change sequence of the row's last change. */
  readonly changeSeq: number;
  /** Who made the last change: `ERP_INTEGRATION_ACTOR` for the engine's own writes. */
  readonly modifiedBy: string;
  /** When the last change was made (ISO 8601), where the ERP reports it. */
  readonly modifiedAt?: string;
  readonly values: Readonly<Record<string, unknown>>;
}

/** One page of an ERP table's changes. */
export interface ErpChangePage {
  readonly records: readonly ErpRecord[];
  /** Every change up to this sequence has been returned: continue after it. */
  readonly nextSeq: number;
  /** True when more changes wait beyond `nextSeq`. */
  readonly more: boolean;
}

export interface ErpPort {
  /**
   * Rows of `table` changed after `afterSeq` (all rows when null), in change order, at most
   * `limit`, never beyond a change still in flight (the ERP's change feed).
   */
  changedSince(table: string, afterSeq: number | null, limit: number): Promise<ErpChangePage>;
  /** The change sequence up to which every change has committed (a pass caps its watermark here). */
  currentSeq(): Promise<number>;
  get(table: string, ids: readonly string[]): Promise<Map<string, ErpRecord>>;
  /** Rows whose `field` equals `value` (case-insensitive for text unless told otherwise). */
  findBy(
    table: string,
    field: string,
    value: unknown,
    caseSensitive?: boolean,
  ): Promise<ErpRecord[]>;
  /** Rows whose `field` is one of `values` (case-sensitive): many lookups in one read. */
  findMany(table: string, field: string, values: readonly unknown[]): Promise<ErpRecord[]>;
  /**
   * Inserts a row as the integration user, with the id `id` when given (the engine chooses and
   * records it first, so the create happens exactly once); the result carries the stored row.
   */
  insert(table: string, values: Record<string, unknown>, id?: string): Promise<Result<ErpRecord>>;
  /** Updates fields of a row as the integration user. */
  update(table: string, id: string, values: Record<string, unknown>): Promise<Result<ErpRecord>>;
  /**
   * Many inserts and updates as `insert`/`update` would do them one by one (each write atomic on
   * its own: a refused one fails alone and leaves nothing behind), in few transactions; one result
   * per write, in order.
   */
  writeMany(table: string, writes: readonly ErpWrite[]): Promise<Result<ErpRecord>[]>;
  /** Field names the table has (for mapping validation). */
  fields(table: string): readonly string[] | undefined;
  /** Deletes a row as the integration user; refused (`in_use`) while other records use it. */
  delete(table: string, id: string): Promise<Result<void>>;
  /** Whether rows of the table may be deleted, and what deactivates one that may not be. */
  removal(table: string): Removal;
}

/** One write of `ErpPort.writeMany`: a create with its chosen id, or an update of a row. */
export interface ErpWrite {
  readonly kind: 'create' | 'update';
  readonly id: string;
  readonly values: Record<string, unknown>;
}

/**
 * How records of a table are taken away (undo of a job that created them): deleted when the
 * system allows it, else deactivated by writing `deactivate` (e.g. CRM statecode Inactive, ERP
 * blocked); neither when `deactivate` is absent and deletion is not allowed.
 */
export interface Removal {
  readonly deletable: boolean;
  readonly deactivate?: Readonly<Record<string, unknown>>;
}

/** One CRM row: id, version (Dataverse `versionnumber`), who modified it, and column values. */
export interface CrmRecord {
  readonly id: string;
  readonly version: number;
  readonly modifiedBy: string | null;
  /** Column values by logical name; lookups as the target GUID under the lookup's logical name. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** A lookup value to write: the engine gives the target entity and id, the adapter binds it. */
export interface CrmLookupValue {
  readonly lookupEntity: string;
  readonly id: string | null;
}

/**
 * A row created together with a new CRM row, in the same operation (Dataverse deep insert through
 * the collection-valued navigation property `navigation`): both exist or neither does, and the row
 * points at its parent without naming it.
 */
export interface CrmRelatedCreate {
  readonly navigation: string;
  readonly entity: string;
  readonly id: string;
  readonly values: Record<string, unknown>;
}

export type CrmWrite =
  | {
      readonly kind: 'create';
      readonly entity: string;
      readonly id: string;
      readonly values: Record<string, unknown>;
      /** Rows created with this one (e.g. a product's price list items); extensions add them. */
      readonly related?: CrmRelatedCreate[];
      /**
       * Columns the CRM ignores on create (not valid for create, e.g. a product's default price
       * list): set by an update of the record sent after its create in the same change set, so
       * both land or neither. The write's result (and version) is the record after that update.
       */
      readonly updateAfter?: Record<string, unknown>;
    }
  | {
      readonly kind: 'update';
      readonly entity: string;
      readonly id: string;
      readonly values: Record<string, unknown>;
    };

export type CrmWriteResult =
  | { ok: true; version: number | null }
  | { ok: false; message: string; notFound: boolean };

export interface CrmChanges {
  readonly rows: readonly CrmRecord[];
  readonly deletedIds: readonly string[];
  /** Where the next run continues (a delta link); store it as the mapping's CRM watermark. */
  readonly nextWatermark: string;
}

/** One page of an entity's changes, slim: each row's id, version and last modifier, no values. */
export interface CrmChangePage {
  readonly rows: readonly CrmRecord[];
  readonly deletedIds: readonly string[];
  /** On the last page: where the next run continues. */
  readonly nextWatermark?: string;
}

export interface CrmPort {
  /** Changes of an entity since `watermark` (everything when null), following all pages. */
  changes(entity: string, watermark: string | null): Promise<Result<CrmChanges>>;
  /**
   * The changes page by page, each row slim (read the rows that matter with `get`): a snapshot of
   * a large table is never held at once, and echoes are dropped without reading their values.
   * Ends after the page with the watermark, or with a failure.
   */
  changePages(entity: string, watermark: string | null): AsyncIterable<Result<CrmChangePage>>;
  get(entity: string, ids: readonly string[]): Promise<Result<Map<string, CrmRecord>>>;
  /** Rows matching every condition (for match-based coupling and name lookups). */
  find(
    entity: string,
    conditions: readonly FilterCondition[],
    top?: number,
  ): Promise<Result<CrmRecord[]>>;
  /** Writes many rows in as few requests as possible; one result per write, in order. */
  write(writes: readonly CrmWrite[]): Promise<Result<CrmWriteResult[]>>;
  /** The values of a choice column (option set) with their labels. */
  optionSet(entity: string, column: string): Promise<Result<{ value: number; label: string }[]>>;
  /** Adds a value to a choice column; returns the new value. */
  addOption(entity: string, column: string, label: string): Promise<Result<number>>;
  /** The organization's base currency: the CRM side of the ERP's local (blank) currency code. */
  baseCurrencyId(): Promise<Result<string | null>>;
  /** The CRM user the integration acts as (its writes are echoes). */
  integrationUserId(): Promise<Result<string>>;
  /**
   * The logical names of the entity's columns (attributes) as the organization's metadata lists
   * them, its custom columns included: what a field mapping's CRM column may name.
   */
  columns(entity: string): Promise<Result<readonly string[]>>;
  /**
   * Columns the CRM takes on create only (Dataverse's IsValidForUpdate = false, e.g. a unit
   * group's `baseuomname`): an update that sends one is refused, so updates leave them out.
   */
  createOnlyColumns(entity: string): ReadonlySet<string>;
  /** Deletes many rows in as few requests as possible; one result per id, in order. */
  delete(entity: string, ids: readonly string[]): Promise<Result<CrmWriteResult[]>>;
  /** Whether rows of the entity may be deleted, and what deactivates one that may not be. */
  removal(entity: string): Removal;
}
