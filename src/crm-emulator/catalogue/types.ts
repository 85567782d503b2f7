/**
 * The declarative description of the emulated Dataverse tables. One catalogue drives storage,
 * validation, `$filter` translation, serialization and `$metadata`.
 *
 * Terminology: an *entity* is a table (logical name `account`), its *entity set* the URL segment
 * (`accounts`). A *lookup* column `primarycontactid` is read as `_primarycontactid_value` and written
 * through a *navigation property* (`primarycontactid@odata.bind`).
 */

export type ColumnType =
  | 'string'
  | 'memo'
  | 'integer'
  | 'bigint'
  | 'decimal'
  | 'money'
  | 'boolean'
  | 'datetime'
  | 'dateonly'
  | 'guid'
  | 'picklist'
  | 'state'
  | 'status'
  | 'lookup';

export interface OptionDef {
  readonly value: number;
  readonly label: string;
}

export interface ColumnDef {
  readonly type: ColumnType;
  readonly maxLength?: number;
  /** Not writable by clients (computed or kept by the server); writes are ignored. */
  readonly readOnly?: boolean;
  /** Writable on create only; a PATCH that changes it fails. */
  readonly createOnly?: boolean;
  /**
   * Not valid for create (Dataverse's IsValidForCreate false): a create ignores the value, as
   * Dataverse does (no error); a PATCH sets it.
   */
  readonly updateOnly?: boolean;
  readonly required?: boolean;
  readonly options?: readonly OptionDef[];
  readonly default?: unknown;
  /** Lookup targets (logical names). */
  readonly targets?: readonly string[];
  /** Navigation property per target (lookup only). */
  readonly navigation?: Readonly<Record<string, string>>;
  /** One navigation property (the column name) for every target, as Owner lookups have. */
  readonly sharedNavigation?: boolean;
  readonly min?: number;
  readonly max?: number;
}

export interface StateDef {
  readonly value: number;
  readonly label: string;
  readonly defaultStatus: number;
  readonly statuses: readonly OptionDef[];
}

export interface EntityDef {
  readonly logicalName: string;
  readonly entitySet: string;
  readonly primaryKey: string;
  readonly primaryName: string;
  readonly displayName: string;
  readonly ownership: 'user' | 'organization' | 'none';
  readonly columns: Readonly<Record<string, ColumnDef>>;
  readonly states?: readonly StateDef[];
  /** Default of `Prefer: odata.track-changes` support (change tracking enabled on the table). */
  readonly changeTracking: boolean;
  /** Creates, reads and deletes only (post). */
  readonly noUpdate?: boolean;
}

/** A navigation property: the lookup column it writes and the table it points at. */
export interface NavigationDef {
  readonly name: string;
  readonly column: string;
  readonly target: string;
}
