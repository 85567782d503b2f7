import type { WriteContext } from '../api/types.ts';
import { type EntityDef, mustEntity } from '../catalogue/index.ts';
import { deleteRecord, type StoredRecord, selectChildren } from '../store/records.ts';
import { type EntityRules, registerRules, rulesFor } from './registry.ts';

/**
 * Dataverse's parental relationships whose delete cascades: a contact's company (`parentcustomerid`)
 * is `contact_customer_accounts` / `contact_customer_contacts`, cascade all — deleting an account
 * deletes its contacts, and theirs in turn. Lookups not listed here keep pointing at a deleted row
 * (the emulator does not model Remove Link or Restrict yet).
 */
const CASCADE_DELETE: readonly { parent: string; child: string; column: string }[] = [
  { parent: 'account', child: 'contact', column: 'parentcustomerid' },
  { parent: 'contact', child: 'contact', column: 'parentcustomerid' },
];

/**
 * Deletes the children of a record about to be deleted, and their children first (a contact's
 * contacts); `deleting` keeps a cycle of parents from recursing forever.
 */
async function deleteChildren(
  w: WriteContext,
  parent: EntityDef,
  record: StoredRecord,
  deleting: Set<string>,
): Promise<void> {
  deleting.add(record.id.toLowerCase());
  for (const r of CASCADE_DELETE) {
    if (r.parent !== parent.logicalName) continue;
    const child = mustEntity(r.child);
    const rows = await selectChildren(w.q, r.child, r.column, [record.id], 'true', 'r.id', []);
    for (const row of rows) {
      if (deleting.has(row.id.toLowerCase())) continue;
      await deleteChildren(w, child, row, deleting);
      const rules = rulesFor(r.child);
      await deleteRecord(w.q, r.child, row.id, w.now);
      await rules?.afterWrite?.(w, child, undefined, row);
    }
  }
}

const cascading: EntityRules = {
  async beforeDelete(w, entity, existing) {
    await deleteChildren(w, entity, existing, new Set());
  },
};

registerRules(
  Object.fromEntries([...new Set(CASCADE_DELETE.map((r) => r.parent))].map((p) => [p, cascading])),
);
