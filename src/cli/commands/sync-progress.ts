import { plural } from '../../shared/plural.ts';
import { countersText } from '../../sync/counters-text.ts';
import type { PassReport } from '../../sync/engine/run-mapping.ts';
import { COUNTER_NAMES, type JobCounters } from '../../sync/model.ts';
import { PLAIN_PROGRESS_EVERY_MS } from '../terminal.ts';

/** Where `kobling sync MAPPING` writes its progress (stderr) and whether it redraws there. */
export interface ProgressOut {
  readonly write: (text: string) => void;
  readonly live: boolean;
}

// Every counter, 0 too: the redrawn line keeps its shape.
const counted = (c: Partial<JobCounters>): string => countersText(c, { zeros: true });

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The progress of one `kobling sync MAPPING` run. On a terminal one line redrawn with `\r` (the
 * pass's records and counters); elsewhere plain lines: one when the run starts, one at most every
 * 10 s while it runs (records so far, counters, rate), one when it ends.
 */
export function syncProgress(mapping: string, out: ProgressOut, now: () => number = Date.now) {
  const started = now();
  let lastLine = started;
  // Each pass counts its records from 0 in counters of its own: a new counters object is the next
  // pass, and the plain lines add up the passes before it.
  let pass: JobCounters | undefined;
  let earlier = { records: 0, counters: {} as Partial<JobCounters> };
  let done = 0;
  const records = () => earlier.records + done;
  const counters = (): Partial<JobCounters> =>
    Object.fromEntries(
      COUNTER_NAMES.map((k) => [k, (earlier.counters[k] ?? 0) + (pass?.[k] ?? 0)]),
    );
  if (!out.live) out.write(`${mapping}: synchronizing\n`);
  return {
    onProgress(c: JobCounters, d: number, total: number | undefined): void {
      if (out.live) {
        out.write(
          `\r${mapping}: ${total ? `${d}/${total} records` : plural(d, 'record')}: ${counted(c)}   `,
        );
        return;
      }
      if (pass && c !== pass) earlier = { records: records(), counters: counters() };
      pass = c;
      done = d;
      const at = now();
      if (at - lastLine < PLAIN_PROGRESS_EVERY_MS) return;
      lastLine = at;
      const rate = Math.round(records() / Math.max(0.001, (at - started) / 1000));
      out.write(
        `${mapping}: ${plural(records(), 'record')} so far: ${counted(counters())} · ${rate}/s\n`,
      );
    },
    /**
     * The run's end: on a terminal the redrawn line is closed, elsewhere its totals written. A run
     * whose passes failed before touching a record says that nothing was synchronized (`why`, e.g.
     * the CRM not reachable), not a row of zero counters that reads like a run that worked.
     */
    end(reports: readonly PassReport[], why?: string): void {
      const sum = Object.fromEntries(
        COUNTER_NAMES.map((k) => [k, reports.reduce((n, r) => n + (r.counters[k] ?? 0), 0)]),
      );
      const failed = reports.filter((r) => r.status === 'failed').length;
      if (out.live) out.write('\n');
      if (nothingHappened(reports)) {
        out.write(
          `${mapping}: nothing synchronized: ${why ?? `${failed} of ${plural(reports.length, 'pass', 'passes')} failed`}\n`,
        );
        return;
      }
      if (out.live) return;
      out.write(
        `${mapping}: finished in ${seconds(now() - started)}${failed ? ` (${failed} of ${plural(reports.length, 'pass', 'passes')} failed)` : ''}: ${plural(records(), 'record')}: ${counted(sum)}\n`,
      );
    },
  };
}

/** A pass failed and no pass touched a record: the run did nothing at all. */
export const nothingHappened = (reports: readonly PassReport[]): boolean =>
  reports.some((r) => r.status === 'failed') &&
  reports.every((r) => COUNTER_NAMES.every((k) => (r.counters[k] ?? 0) === 0));
