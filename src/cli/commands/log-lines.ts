import type { Labeled, LabeledError, RecordPair } from '../../integration/error-labels.ts';
import { countersText } from '../../sync/counters-text.ts';
import type { JobView } from '../../sync/queries.ts';
import { recordKind } from '../../sync/record-names.ts';

/** How the CLI prints a job and a record error, wherever it lists them (`jobs`, `errors`, `jobs show`). */

// A failed or crashed job says why; its counters are what it did before that.
const jobSummary = (j: JobView): string => {
  const counters = countersText(j);
  if (j.status !== 'succeeded' && j.status !== 'running' && j.message)
    return counters ? `${counters}: ${j.message}` : j.message;
  return counters || 'nothing to do';
};
export const jobLine = (j: JobView) =>
  `${new Date(j.startedAt).toISOString()} ${j.id} ${j.mapping.padEnd(20)} ${j.direction.padEnd(21)} ${j.status.padEnd(9)} ${jobSummary(j)}`;

// The ERP record by its number and name when it could be read (`Customer C10000 Adatum AS`).
export const erpRecord = (e: Labeled<{ erpTable: string; erpId: string | null }>) =>
  e.erpRecordLabel
    ? `${recordKind('erp', e.erpTable)} ${e.erpRecordLabel}`
    : `${e.erpTable}/${e.erpId ?? '-'}`;

/**
 * A pair's two records (an error's, a skipped record's). One whose create failed does not exist:
 * named as not created, pointing from the record it would come from, never by the id it will get
 * (`→ account (not created)`).
 */
export const pairRecords = (e: RecordPair): string => {
  if (e.notCreated === 'crm') return `${erpRecord(e)} → ${e.crmEntity} (not created)`;
  if (e.notCreated === 'erp')
    return `${e.erpTable} (not created) ← ${e.crmEntity}/${e.crmId ?? '-'}`;
  return `${erpRecord(e)} ⇄ ${e.crmEntity}/${e.crmId ?? '-'}`;
};
export const errorLine = (e: LabeledError) =>
  `${new Date(e.createdAt).toISOString()} ${e.mapping} ${pairRecords(e)}: ${e.message}${e.attempts && e.attempts > 1 ? ` (failed ${e.attempts} times)` : ''}${e.settled ? ' (settled)' : ''}`;

/** The legend of the settled mark, shown under a list with such a row. */
export const SETTLED_LEGEND = 'Settled: the record was coupled or synchronized since.';
