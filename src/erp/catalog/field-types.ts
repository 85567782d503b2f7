import type { Queryable } from '../../db/db.ts';
import type { Result } from '../../shared/result.ts';

/** Wire types of API fields; each maps to a zod validator and a $filter literal check. */
export type FieldType =
  | 'string'
  | 'decimal'
  | 'integer'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'guid'
  | 'json';

/** One API field of an entity: its camelCase name, where it lives and how it may be written. */
export interface FieldDef {
  readonly name: string;
  readonly type: FieldType;
  /** The table column written on create/update (absent for computed fields). */
  readonly column?: string;
  /** The SQL expression read (defaults to `t.<column>`); the table is aliased `t`. */
  readonly sql: string;
  readonly readOnly?: boolean;
  /**
   * Read-only through the HTTP API (BC documents it so) while the ERP's own services still write
   * it: the integration copies a CRM order's bill-to address as BC's CRM integration does.
   */
  readonly apiReadOnly?: boolean;
  /** Required on create. */
  readonly required?: boolean;
  /** May be written as null (code references, optional dates). */
  readonly nullable?: boolean;
  readonly values?: readonly string[];
  readonly maxLength?: number;
  /** Smallest and largest value of a decimal field (default: ±999,999,999,999,999.99 as BC). */
  readonly min?: number;
  readonly max?: number;
  /**
   * A GUID that names a row of another table by its id while the row stores that row's code or
   * number: writing it sets `field` (BC lets clients send either `customerId` or `customerNumber`).
   */
  readonly writeVia?: { readonly field: string; readonly table: string; readonly key: string };
}

/** A navigation property: one related record (by an id field) or the records pointing here. */
export type NavigationDef =
  | { readonly name: string; readonly kind: 'one'; readonly target: string; readonly field: string }
  | {
      readonly name: string;
      readonly kind: 'many';
      readonly target: string;
      /** The target's field that holds this record's id. */
      readonly foreignKey: string;
    };

/** An API entity set over one table (optionally a fixed slice of it). */
export interface EntityDef {
  readonly set: string;
  readonly table: string;
  readonly fields: readonly FieldDef[];
  /** Fixed condition (e.g. document type) on every read. */
  readonly where?: string;
  /** Fixed column values on insert. */
  readonly fixed?: Readonly<Record<string, string>>;
  readonly defaultOrder: string;
  /** Sales setup column naming the number series for `number` when it is not given. */
  readonly numberSeries?: string;
  /** Generic create/update/delete allowed (false: read-only or written by services only). */
  readonly writable: boolean;
  /** One row only (setup): update allowed, create and delete not. */
  readonly singleton?: boolean;
  /** Extra consistency check run after a create/update, in the same transaction. */
  readonly check?: (tx: Queryable, id: string) => Promise<Result<void>>;
  /** What a create/update brings with it (BC's OnValidate side effects), before `check`. */
  readonly afterWrite?: (tx: Queryable, ids: readonly string[]) => Promise<void>;
}

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

type Opts = Partial<Omit<FieldDef, 'name' | 'type'>>;

/** A field stored in a column named after it (snake_case) unless `column` says otherwise. */
export function f(name: string, type: FieldType, opts: Opts = {}): FieldDef {
  const column = opts.column ?? (opts.sql ? undefined : snake(name));
  return { name, type, ...opts, column, sql: opts.sql ?? `t.${column}` };
}

/** A nullable code that references another table's `code` (or number). */
export const code = (name: string, opts: Opts = {}) =>
  f(name, 'string', { nullable: true, maxLength: 20, ...opts });

/** A read-only value computed by SQL. */
export const computed = (name: string, type: FieldType, sql: string) =>
  f(name, type, { sql, readOnly: true });

/** The id of the row of `table` whose `key` equals the column (read-only lookup). */
export const idOf = (name: string, table: string, column: string, key = 'code') =>
  computed(name, 'guid', `(SELECT x.id FROM ${table} x WHERE x.${key} = t.${column})`);

/** Like `idOf`, but writable: a written id is resolved to the row's `key` and stored in `field`. */
export const refId = (name: string, table: string, column: string, field: string, key = 'code') =>
  f(name, 'guid', {
    sql: `(SELECT x.id FROM ${table} x WHERE x.${key} = t.${column})`,
    nullable: true,
    writeVia: { field, table, key },
  });

/** The fields every entity has. */
export const systemFields: readonly FieldDef[] = [
  f('id', 'guid', { readOnly: true }),
  f('lastModifiedDateTime', 'datetime', { column: 'last_modified_at', readOnly: true }),
];

export const text = (name: string, maxLength = 100, opts: Opts = {}) =>
  f(name, 'string', { maxLength, ...opts });
