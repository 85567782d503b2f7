import { COUNTER_NAMES, type CounterName, type JobCounters } from './model.ts';

/** Shown first, as `kobling sync full`'s bars show them: +inserted ~modified ✗failed. */
const FIRST: readonly CounterName[] = ['inserted', 'modified', 'failed'];

/**
 * The order counters are shown in, wherever they are: what was written and what failed first (the
 * bars' +inserted ~modified ✗failed), then the others in their column order.
 */
export const COUNTER_ORDER: readonly CounterName[] = [
  ...FIRST,
  ...COUNTER_NAMES.filter((k) => !FIRST.includes(k)),
];

/**
 * A job's counters in words, count first: `3 inserted, 1 failed, 2 unchanged`. The one wording of
 * the job log's message, `kobling sync`'s progress, `kobling jobs` and a full synchronization
 * line's message, so a counter reads the same wherever it is shown, in `COUNTER_ORDER`. Counters at
 * 0 are left out unless `zeros` (a progress line keeps its shape while it is redrawn); empty when
 * every counter is 0.
 */
export function countersText(c: Partial<JobCounters>, o: { zeros?: boolean } = {}): string {
  return COUNTER_ORDER.filter((k) => o.zeros || (c[k] ?? 0) > 0)
    .map((k) => `${c[k] ?? 0} ${k}`)
    .join(', ');
}

/** What was written and what failed, as the bars and summaries of a full synchronization show it. */
export const shortCounters = (c: Partial<JobCounters>): string =>
  `+${c.inserted ?? 0} ~${c.modified ?? 0} ✗${c.failed ?? 0}`;

/**
 * The counters `shortCounters` leaves out, in words (`230 unchanged, 1 skipped`): with them the
 * records add up; empty when they are all 0.
 */
export const otherCounters = (c: Partial<JobCounters>): string =>
  countersText(
    Object.fromEntries(COUNTER_ORDER.filter((k) => !FIRST.includes(k)).map((k) => [k, c[k] ?? 0])),
  );
