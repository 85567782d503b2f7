import {
  crmLookupRefs,
  crmOptionRefs,
  lookupNamesOf,
  optionLabelsOf,
  readOptionLabels,
} from '../sync/lookup-names.ts';
import { listMappings } from '../sync/mappings/mapping-repo.ts';
import { listWrites, type Paging, type WriteView } from '../sync/queries.ts';
import { readNames } from '../sync/record-names.ts';
import { erpPort } from './adapters/erp-port.ts';
import { openEngine, type SyncDeps } from './sync-runtime.ts';

/** A write of the history with the table of its side and what users call the record. */
export interface NamedWrite extends WriteView {
  readonly table: string;
  /** As users know it; null when it no longer exists; absent when its side could not be read. */
  readonly name?: string | null;
  /**
   * The names of the records its CRM lookup values (`before` and `after`) point to, by id: the
   * currency `EUR` for a `transactioncurrencyid`. An id left out (a record that is gone or could
   * not be read) goes by the id; absent when it names none. `before` and `after` stay as written.
   */
  readonly lookupNames?: Readonly<Record<string, string>>;
  /**
   * The labels of the option values its CRM choice columns hold (`before` and `after`), by column
   * then value: `{paymenttermscode: {"2": "2% 10, Net 30"}}` — a value is a label only within its
   * column's option set. A value no code is coupled to is left out; absent when it labels none.
   */
  readonly optionLabels?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/**
 * What a job wrote, a page of its write history (docs/sync-engine.md, "Jobs"): both sides, so a
 * job of the policy `ask` shows the fields it wrote back to its source side next to its own
 * writes. Records and the records their lookups point to are named with one read per table; without
 * a usable connection the CRM records go by id. Option values are labelled from their couplings,
 * one read per option mapping.
 */
export async function jobWrites(
  deps: SyncDeps,
  job: { readonly id: string; readonly mapping: string },
  page: Paging,
): Promise<{ total: number; value: NamedWrite[] }> {
  const { total, value } = await listWrites(deps.db, { jobId: job.id, ...page });
  const mappings = new Map((await listMappings(deps.db)).map((m) => [m.name, m]));
  const m = mappings.get(job.mapping);
  const tableOf = (side: 'erp' | 'crm') =>
    side === 'erp' ? (m?.erpTable ?? 'erp') : (m?.crmEntity ?? 'crm');
  if (!m || value.length === 0)
    return { total, value: value.map((w) => ({ ...w, table: tableOf(w.side) })) };
  const lookups = value.map((w) =>
    w.side === 'crm'
      ? [...crmLookupRefs(m, mappings, w.before), ...crmLookupRefs(m, mappings, w.after)]
      : [],
  );
  const options = value.map((w) =>
    w.side === 'crm'
      ? [...crmOptionRefs(m, mappings, w.before), ...crmOptionRefs(m, mappings, w.after)]
      : [],
  );
  const labels = await readOptionLabels(deps.db, options.flat());
  const engine = await openEngine(deps);
  const names = await readNames(
    { erp: erpPort(deps.db), crm: engine.ok ? engine.value.crm : undefined },
    [
      ...value.map((w) => ({ side: w.side, table: tableOf(w.side), id: w.recordId })),
      ...lookups.flat(),
    ],
  );
  return {
    total,
    value: value.map((w, i) => {
      const name = names(w.side, tableOf(w.side), w.recordId);
      const lookupNames = lookupNamesOf(lookups[i] ?? [], names);
      const optionLabels = optionLabelsOf(options[i] ?? [], labels);
      return {
        ...w,
        table: tableOf(w.side),
        ...(name === undefined ? {} : { name }),
        ...(Object.keys(lookupNames).length > 0 ? { lookupNames } : {}),
        ...(Object.keys(optionLabels).length > 0 ? { optionLabels } : {}),
      };
    }),
  };
}
