import { COUNTER_NAMES, type JobCounters } from './model.ts';

/**
 * A job's counters in words, count first: `3 inserted, 1 failed`. The one wording of the job
 * log's message, `kobling sync`'s progress and `kobling jobs`, so a counter reads the same
 * wherever it is shown. Counters at 0 are left out unless `zeros` (a progress line keeps its
 * shape while it is redrawn); empty when every counter is 0.
 */
export function countersText(c: Partial<JobCounters>, o: { zeros?: boolean } = {}): string {
  return COUNTER_NAMES.filter((k) => o.zeros || (c[k] ?? 0) > 0)
    .map((k) => `${c[k] ?? 0} ${k}`)
    .join(', ');
}
