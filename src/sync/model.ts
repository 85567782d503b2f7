/**
 * The sync engine's vocabulary (see docs/glossary.md). ERP fields are named as the ERP API names
 * them (camelCase, Business Central v2.0 style); CRM columns by their Dataverse logical names.
 */

export const DIRECTIONS = ['Bidirectional', 'ToIntegrationTable', 'FromIntegrationTable'] as const;
export type Direction = (typeof DIRECTIONS)[number];
/** The direction of one pass: ERP → CRM (To) or CRM → ERP (From). */
export type PassDirection = Exclude<Direction, 'Bidirectional'>;

/** `ask`: the fields changed on both sides wait in the conflict inbox, the rest of the record syncs. */
export const UPDATE_CONFLICT_POLICIES = ['None', 'SendUpdate', 'GetUpdate', 'ask'] as const;
export type UpdateConflictPolicy = (typeof UPDATE_CONFLICT_POLICIES)[number];
export const DELETION_CONFLICT_POLICIES = ['None', 'RestoreRecords', 'RemoveCoupling'] as const;
export type DeletionConflictPolicy = (typeof DELETION_CONFLICT_POLICIES)[number];

export const FILTER_OPS = ['eq', 'ne', 'empty', 'notEmpty', 'in', 'startsWith'] as const;
/** One condition of a mapping filter; all conditions of a filter must hold. */
export interface FilterCondition {
  readonly field: string;
  readonly op: (typeof FILTER_OPS)[number];
  readonly value?: unknown;
}

/** A lookup field: the ERP value is the `erpKey` of a record of `mapping`'s ERP table. */
export interface LookupSpec {
  readonly mapping: string;
  /** ERP field of the related record that the value holds (e.g. `code`, `number`). */
  readonly erpKey: string;
  /**
   * The related record is the record's parent (a unit's unit group): under "synchronize only
   * coupled records" an uncoupled record whose parent is coupled is synchronized all the same —
   * created and coupled, as the lines of a coupled document go with it.
   */
  readonly parent?: boolean;
}

export interface FieldMapping {
  readonly position: number;
  /** ERP field; absent when the CRM column gets the constant. */
  readonly erpField?: string;
  /** CRM column; absent when the ERP field gets the constant. */
  readonly crmField?: string;
  readonly direction: Direction;
  readonly constantValue?: string;
  readonly lookup?: LookupSpec;
  readonly transformation?: Transformation;
  readonly validateField: boolean;
  readonly validateCrmField: boolean;
  readonly clearOnFailedSync: boolean;
  readonly notNull: boolean;
  readonly enabled: boolean;
  readonly useForMatching: boolean;
  readonly caseSensitiveMatching: boolean;
  readonly matchPriority: number;
}

export const TRANSFORMATIONS = ['uppercase', 'lowercase', 'trim'] as const;
export type Transformation = (typeof TRANSFORMATIONS)[number];

export interface TableMapping {
  readonly name: string;
  readonly erpTable: string;
  readonly crmEntity: string;
  readonly direction: Direction;
  readonly erpFilter: readonly FilterCondition[];
  readonly crmFilter: readonly FilterCondition[];
  readonly syncOnlyCoupled: boolean;
  readonly updateConflict: UpdateConflictPolicy;
  readonly deletionConflict: DeletionConflictPolicy;
  /** Mappings that must be synchronized (coupled) before this one, `|`-separated as in BC. */
  readonly dependencyFilter: string;
  readonly isOptionMapping: boolean;
  readonly syncAfterCoupling: boolean;
  readonly createNewOnNoMatch: boolean;
  readonly jobEnabled: boolean;
  readonly jobIntervalMinutes: number;
  readonly inactivityTimeoutMinutes: number;
  /** Hours a conflict-inbox entry stays open before it ages out to a failed record (default 168). */
  readonly conflictExpiryHours?: number;
  readonly userDefined: boolean;
  readonly fields: readonly FieldMapping[];
}

export type SyncResult = 'Success' | 'Failure';

/** The 1:1 link between an ERP record and a CRM record (BC: CRM Integration Record). */
export interface Coupling {
  readonly id: string;
  readonly mappingName: string;
  readonly erpTable: string;
  readonly erpId: string;
  readonly crmEntity: string;
  readonly crmId: string;
  readonly state: 'pending' | 'coupled';
  /** Which side a pending coupling's create goes to (the row is created there with the chosen id). */
  readonly pendingSide: 'crm' | 'erp';
  readonly lastSyncedErpSeq: number | null;
  readonly lastSyncedCrmVersion: number | null;
  readonly lastResultToErp: SyncResult | null;
  readonly lastResultToCrm: SyncResult | null;
  readonly lastErrorToErp: string | null;
  readonly lastErrorToCrm: string | null;
  readonly lastJobToErp: string | null;
  readonly lastJobToCrm: string | null;
  readonly skipped: boolean;
  /** The pass that must still compare the record although its source looks unchanged: the other
   * pass wrote to a side someone else had changed, so that change reads as its own echo
   * (docs/sync-engine.md, "Reverse pass due"). */
  readonly reverseDue: PassDirection | null;
}

/**
 * Counters of one synchronization job, as BC's Integration Synch. Job, in display order. Each is
 * also a column of `integration.sync_jobs`; everything that reads, writes or prints them uses this
 * list.
 */
export const COUNTER_NAMES = [
  'inserted',
  'modified',
  'unchanged',
  'skipped',
  'failed',
  'deleted',
  'uncoupled',
  'coupled',
] as const;

export type CounterName = (typeof COUNTER_NAMES)[number];

export type JobCounters = Record<CounterName, number>;

export const emptyCounters = (): JobCounters =>
  Object.fromEntries(COUNTER_NAMES.map((k) => [k, 0])) as JobCounters;

/** The counter columns as a SQL select list (names are the constant above, never input). */
export const COUNTER_COLUMNS = COUNTER_NAMES.join(', ');

/** True when a field mapping's direction carries values in the pass direction. */
export const fieldCovers = (field: Direction, pass: PassDirection): boolean =>
  field === 'Bidirectional' || field === pass;

/** True when a mapping's direction includes the pass direction. */
export const mappingCovers = fieldCovers;

/** Mapping names of a `|`-separated dependency filter. */
export const dependenciesOf = (m: Pick<TableMapping, 'dependencyFilter'>): string[] =>
  m.dependencyFilter
    .split('|')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * The mappings whose records `m`'s records need coupled first: its dependency filter and the
 * mappings its enabled lookup fields read through (never itself).
 */
export const upstreamOf = (m: Pick<TableMapping, 'name' | 'dependencyFilter' | 'fields'>) =>
  [
    ...new Set([
      ...dependenciesOf(m),
      ...m.fields.flatMap((f) => (f.enabled && f.lookup ? [f.lookup.mapping] : [])),
    ]),
  ].filter((name) => name !== m.name);

/**
 * The CRM entity a CRM lookup column of `m` points to (the related mapping's entity); undefined
 * when the column is no lookup or its related mapping is an option mapping (an option value, no id).
 */
export function crmLookupEntity(
  m: Pick<TableMapping, 'fields'>,
  mappings: ReadonlyMap<string, Pick<TableMapping, 'crmEntity' | 'isOptionMapping'>>,
  column: string,
): string | undefined {
  const field = m.fields.find((f) => f.crmField === column && f.lookup);
  const related = field?.lookup ? mappings.get(field.lookup.mapping) : undefined;
  return related && !related.isOptionMapping ? related.crmEntity : undefined;
}

/**
 * The option mapping a CRM choice column of `m` translates through (PAYMENT TERMS for
 * `paymenttermscode`): its values are option values, coupled in `integration.option_couplings`;
 * undefined when the column is no lookup or its related mapping is no option mapping.
 */
export function crmOptionMapping(
  m: Pick<TableMapping, 'fields'>,
  mappings: ReadonlyMap<string, Pick<TableMapping, 'isOptionMapping'>>,
  column: string,
): string | undefined {
  const field = m.fields.find((f) => f.crmField === column && f.lookup);
  const name = field?.lookup?.mapping;
  return name && mappings.get(name)?.isOptionMapping ? name : undefined;
}
