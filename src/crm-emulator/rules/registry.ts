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
