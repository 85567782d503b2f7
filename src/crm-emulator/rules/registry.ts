import type { WriteContext } from '../api/types.ts';
import type { EntityDef } from '../catalogue/index.ts';
import type { StoredRecord } from '../store/records.ts';

type Data = Record<string, unknown>;

/**
 * Business rules of one table, run inside the write transaction. `before*` hooks may change `data`
 * (computed columns) or throw a CrmError; `afterWrite` updates other records (parent totals).
 */
export interface EntityRules {
  beforeCreate?(w: WriteContext, entity: EntityDef, data: Data): Promise<void>;
  /**
   * Fills computed columns of new records from other records, for many at once (one read per
   * table instead of one per record). A table whose rules create nothing more than this is written
   * with one multi-row INSERT, like a table without rules (see `createsInBulk`).
   */
  beforeCreateMany?(w: WriteContext, entity: EntityDef, rows: Data[]): Promise<void>;
  /** `data` is the merged record, `changes` what the request set. */
  beforeUpdate?(
    w: WriteContext,
    entity: EntityDef,
    existing: StoredRecord,
    data: Data,
    changes: Data,
  ): Promise<void>;
  beforeDelete?(w: WriteContext, entity: EntityDef, existing: StoredRecord): Promise<void>;
  afterWrite?(
    w: WriteContext,
    entity: EntityDef,
    record: StoredRecord | undefined,
    previous: StoredRecord | undefined,
  ): Promise<void>;
}

const registry = new Map<string, EntityRules>();

/** Registers the rules of tables (called once at import time by the rule modules). */
export function registerRules(rules: Record<string, EntityRules>): void {
  for (const [name, r] of Object.entries(rules)) registry.set(name, r);
}

export const rulesFor = (logicalName: string): EntityRules | undefined => registry.get(logicalName);

/**
 * Whether new records of a table can go in one multi-row INSERT: no rule runs per record before
 * the insert, nor touches other records after it (e.g. a document's totals after a line).
 */
export function createsInBulk(logicalName: string): boolean {
  const rules = registry.get(logicalName);
  return !rules?.beforeCreate && !rules?.afterWrite;
}

/**
 * Whether updates of a table's records can go in one multi-row UPDATE: no rule checks or fills an
 * update per record, nor touches other records after it.
 */
export function updatesInBulk(logicalName: string): boolean {
  const rules = registry.get(logicalName);
  return !rules?.beforeUpdate && !rules?.afterWrite;
}
