import { getMapping } from '../sync/mappings/mapping-repo.ts';
import { listWrites, type Paging, type WriteView } from '../sync/queries.ts';
import { readNames } from '../sync/record-names.ts';
import { erpPort } from './adapters/erp-port.ts';
import { openEngine, type SyncDeps } from './sync-runtime.ts';

/** A write of the history with the table of its side and what users call the record. */
export interface NamedWrite extends WriteView {
  readonly table: string;
  /** As users know it; null when it no longer exists; absent when its side could not be read. */
  readonly name?: string | null;
}

/**
 * What a job wrote, a page of its write history (docs/sync-engine.md, "Jobs"): both sides, so a
 * job of the policy `ask` shows the fields it wrote back to its source side next to its own
 * writes. Records are named with one read per side; without a usable connection the CRM records
 * go by id.
 */
export async function jobWrites(
  deps: SyncDeps,
  job: { readonly id: string; readonly mapping: string },
  page: Paging,
): Promise<{ total: number; value: NamedWrite[] }> {
  const { total, value } = await listWrites(deps.db, { jobId: job.id, ...page });
  const m = await getMapping(deps.db, job.mapping);
  const tableOf = (side: 'erp' | 'crm') =>
    side === 'erp' ? (m?.erpTable ?? 'erp') : (m?.crmEntity ?? 'crm');
  if (!m || value.length === 0)
    return { total, value: value.map((w) => ({ ...w, table: tableOf(w.side) })) };
  const engine = await openEngine(deps);
  const names = await readNames(
    { erp: erpPort(deps.db), crm: engine.ok ? engine.value.crm : undefined },
    value.map((w) => ({ side: w.side, table: tableOf(w.side), id: w.recordId })),
  );
  return {
    total,
    value: value.map((w) => {
      const name = names(w.side, tableOf(w.side), w.recordId);
      return { ...w, table: tableOf(w.side), ...(name === undefined ? {} : { name }) };
    }),
  };
}
