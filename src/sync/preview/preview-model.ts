import { plural } from '../../shared/plural.ts';
import { type CounterName, emptyCounters, type JobCounters, type PassDirection } from '../model.ts';

/**
 * What a preview (dry run) answers: per record what a run would do, in the words users think in
 * (insert, modify, couple, conflict, …), and per pass the counters its job would end with.
 */

export const PREVIEW_ACTIONS = [
  'insert',
  'modify',
  /** The engine deletes no record in a run; kept so the summary names every kind of write. */
  'delete',
  'couple',
  'uncouple',
  'unchanged',
  'skip',
  'conflict',
  'fail',
] as const;
export type PreviewAction = (typeof PREVIEW_ACTIONS)[number];
export type PreviewCounts = Record<PreviewAction, number>;

/** One field a write would change: the destination's value now and the value it would get. */
export interface FieldChange {
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** One bidirectional field pair whose values differ while both records changed. */
export interface ConflictPair {
  readonly erpField: string;
  readonly crmField: string;
  readonly erpValue: unknown;
  readonly crmValue: unknown;
}

/** What a run would do with one record in one pass. */
export interface PreviewDetail {
  readonly direction: PassDirection;
  /** The side the pass would write: the CRM for ERP → CRM, the ERP for CRM → ERP. */
  readonly side: 'crm' | 'erp';
  readonly action: PreviewAction;
  readonly erpId: string | null;
  /** Null for a CRM record a create would make (its id is chosen when it is sent). */
  readonly crmId: string | null;
  /** The source record's number and name as users know it (e.g. "C10000 Adatum Corporation"). */
  readonly name?: string | null;
  /** Insert: every value written (before is null); modify: the fields that differ. */
  readonly changes?: readonly FieldChange[];
  readonly conflicts?: readonly ConflictPair[];
  /** Why: the failure's message, the skip's reason, a restore or an uncoupling. */
  readonly message?: string;
  /** Policy `ask`: fields only the destination side changed, written back to the source side
   * after the record's write. The record counts once in the job: as its own detail says, or as
   * modified when that one is unchanged (the write-back is its only write). */
  readonly writeBack?: true;
}

export interface PreviewPass {
  readonly direction: PassDirection;
  /** The counters the pass's job would end with (BC's counters, as `kobling jobs` shows them). */
  readonly counters: JobCounters;
}

export interface PreviewSummary {
  /** Always false: a preview writes nothing to the ERP, the CRM or the integration tables. */
  readonly written: false;
  /** Per side written: `crm` is the ERP → CRM pass, `erp` the CRM → ERP pass. */
  readonly crm: PreviewCounts;
  readonly erp: PreviewCounts;
  readonly total: PreviewCounts;
  /** Policy `ask`: records with fields changed on both sides that would go to the conflict inbox
   * (the rest of each record synchronizes, so they count as modify or unchanged), each record
   * once for the run even when both passes hold it. */
  readonly inbox: number;
  readonly passes: readonly PreviewPass[];
}

export interface Preview {
  readonly mapping: string;
  readonly summary: PreviewSummary;
  readonly details: readonly PreviewDetail[];
  /** Says that nothing was written, with the counts: a dry run is never a silent success. */
  readonly notice: string;
}

export const emptyCounts = (): PreviewCounts =>
  Object.fromEntries(PREVIEW_ACTIONS.map((a) => [a, 0])) as PreviewCounts;

/** The job counter an action counts in (conflicts fail the record). */
const COUNTER_OF: Record<PreviewAction, CounterName> = {
  insert: 'inserted',
  modify: 'modified',
  delete: 'deleted',
  couple: 'coupled',
  uncouple: 'uncoupled',
  unchanged: 'unchanged',
  skip: 'skipped',
  conflict: 'failed',
  fail: 'failed',
};

/** Sums the details into the summary. */
export function summarize(
  passes: readonly PassDirection[],
  details: readonly PreviewDetail[],
): PreviewSummary {
  const crm = emptyCounts();
  const erp = emptyCounts();
  const total = emptyCounts();
  const counters = new Map(passes.map((p) => [p, emptyCounters()]));
  // A record held on both passes is one record in the inbox, not one per pass.
  const inbox = new Set<string>();
  const record = (d: PreviewDetail) => `${d.direction}|${d.erpId}|${d.crmId}`;
  const writtenBack = new Set(details.filter((d) => d.writeBack).map(record));
  for (const d of details) {
    (d.side === 'crm' ? crm : erp)[d.action]++;
    total[d.action]++;
    const c = counters.get(d.direction);
    const counted =
      d.action === 'unchanged' && writtenBack.has(record(d)) ? 'modified' : COUNTER_OF[d.action];
    if (c && !d.writeBack) c[counted]++;
    if (d.conflicts && d.action !== 'conflict') inbox.add(`${d.erpId}|${d.crmId}`);
  }
  return {
    written: false,
    crm,
    erp,
    total,
    inbox: inbox.size,
    passes: passes.map((direction) => ({ direction, counters: counters.get(direction)! })),
  };
}

/** One line of counts, e.g. "2 insert, 3 modify, 2 conflict", or "nothing to do". */
export const countsLine = (c: PreviewCounts): string =>
  PREVIEW_ACTIONS.filter((a) => c[a] > 0)
    .map((a) => `${c[a]} ${a}`)
    .join(', ') || 'nothing to do';

/** The notice every preview carries, so a dry run is never mistaken for a run. */
export const previewNotice = (t: PreviewCounts, inbox = 0): string =>
  `Preview only: nothing was written to the ERP, the CRM or the integration tables. A run now would: ${countsLine(t)}${inbox > 0 ? `, and put ${plural(inbox, 'record')} in the conflict inbox` : ''}.`;

/** A page of the details (1-based), with the next page's number when there is one. */
export function pageOf<T>(
  items: readonly T[],
  page: number,
  pageSize: number,
): { items: T[]; nextPage?: number } {
  const start = (page - 1) * pageSize;
  const slice = items.slice(start, start + pageSize);
  return start + pageSize < items.length ? { items: slice, nextPage: page + 1 } : { items: slice };
}
