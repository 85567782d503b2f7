import { agree, plural } from '../../shared/plural.ts';
import { countersText } from '../../sync/counters-text.ts';

/**
 * A line's status; it moves only along `integration.full_sync_transitions`. `FinishedWithErrors`:
 * its passes ran to their end but some records failed — done for its children (BC: the job queue
 * entry Finished, the direction's job status Error); `Failed`: a pass itself failed, and its
 * children wait; `Stopped`: stopped by hand (`STOPPABLE`), its children wait too, and a restart
 * continues it where it stopped.
 */
export type LineStatus =
  | 'Pending'
  | 'Queued'
  | 'Running'
  | 'Finished'
  | 'FinishedWithErrors'
  | 'Failed'
  | 'NotNeeded'
  | 'Stopped';

/**
 * A line's status in the review: a stored line's, or `NotStarted` for a line the review shows
 * before the first *Start* — worked out, never written, so no scheduler tick can start it.
 */
export type ReviewStatus = LineStatus | 'NotStarted';

/** A line done: its children may start. */
export const DONE_STATUSES: ReadonlySet<ReviewStatus> = new Set([
  'Finished',
  'FinishedWithErrors',
  'NotNeeded',
]);

/** A line that can be stopped: not started yet (waiting for its parents), queued or running. */
export const STOPPABLE: ReadonlySet<ReviewStatus> = new Set(['Pending', 'Queued', 'Running']);

/** A line that did not fully succeed: its pass failed, or records failed (restart-failed runs both). */
export const hasFailures = (status: ReviewStatus): boolean =>
  status === 'Failed' || status === 'FinishedWithErrors';

/** A mapping's name as a shell argument (`'ITEM UOM'`). */
export const shellName = (mapping: string): string =>
  mapping.includes(' ') ? `'${mapping}'` : mapping;

/**
 * A line's failed records that are not skipped, which the regular job retries: a skipped record
 * failed too (the line restored the skipped records first), so each is counted once.
 */
export const failedNotSkipped = (failed: number, skipped: number): number =>
  Math.max(0, failed - skipped);

/** Where a finished line's message turns from what happened to the CLI's how-to (see `whatHappened`). */
const SEE_THEM = '. See them: ';

/**
 * What a line that finished with failed records says: how many failed, how many of the mapping's
 * records are skipped after failing (no regular run retries those), that its children went on
 * (they are not held, as in BC), and where to see and retry the records. Only a mapping whose
 * regular job is on gets its failed records that are not skipped retried by itself; with the job off, `kobling sync`
 * does it; skipped ones only `kobling skipped retry` (or a restart of the line, which restores
 * them first).
 */
export function failedRecordsMessage(l: {
  mapping: string;
  failed: number;
  /** The mapping's records skipped after failing, when the line ended. */
  skipped: number;
  /** What the line did (its counters), and what it held back. */
  summary: string;
  /** The dependent lines that start after this one (not those that had finished before). */
  children: readonly string[];
  /** The mapping's recurring job is on (when the line finished). */
  jobEnabled: boolean;
}): string {
  const name = shellName(l.mapping);
  const went =
    l.children.length > 0
      ? `; its dependent ${agree(l.children.length, 'line', 'lines')} ${l.children.join(', ')} went on regardless`
      : '';
  const failed = l.failed > 0 ? `${plural(l.failed, 'record')} failed (${l.summary})` : '';
  const skipped =
    l.skipped > 0
      ? `${plural(l.skipped, 'record')} ${failed ? `of the mapping ${agree(l.skipped, 'is', 'are')} ` : ''}skipped after failing twice with the same message${failed ? '' : ` (${l.summary})`}: no regular run retries ${agree(l.skipped, 'it', 'them')}`
      : '';
  const what = [failed, skipped].filter(Boolean).join('; ');
  const see = [
    ...(l.failed > 0 ? [`\`kobling errors --mapping ${name}\``] : []),
    ...(l.skipped > 0 ? [`\`kobling skipped --mapping ${name}\``] : []),
  ].join(', ');
  // Only `kobling skipped retry` retries a skipped record; the regular job the others.
  const notSkipped = failedNotSkipped(l.failed, l.skipped);
  const them =
    l.skipped > 0
      ? agree(notSkipped, 'the one not skipped', 'the ones not skipped')
      : agree(notSkipped, 'it', 'them');
  const retryFailed =
    notSkipped === 0
      ? []
      : l.jobEnabled
        ? [`the mapping's regular job retries ${them} (\`kobling sync ${name}\` now)`]
        : [`\`kobling sync ${name}\` retries ${them} (the mapping's regular job is off)`];
  const retrySkipped =
    l.skipped === 0
      ? []
      : [
          `\`kobling skipped retry --mapping ${name}\` ${notSkipped > 0 ? agree(l.skipped, 'the skipped one', 'the skipped ones') : `retries ${agree(l.skipped, 'it', 'them')}`}`,
        ];
  const retry = [...retryFailed, ...retrySkipped].join(', ');
  return `${what}${went}${SEE_THEM}${see}; after the fix ${retry}, or \`kobling sync full --restart ${name}\` runs the line again`;
}

/**
 * The part of a line's message that says what happened, without the CLI's how-to that follows
 * it (the web page says that its own way).
 */
export const whatHappened = (message: string): string => message.split(SEE_THEM)[0]!;

/** An instant as the lines' messages and summaries give it: `2026-12-02 06:40:12 UTC`. */
export const utc = (d: Date | string): string =>
  `${(typeof d === 'string' ? d : d.toISOString()).slice(0, 19).replace('T', ' ')} UTC`;

/** How far a line that was cut got: its records and counters, or that it had synchronized none. */
const howFar = (l: {
  done: number;
  total: number | null;
  counters: Readonly<Record<string, number>>;
}): string =>
  l.done > 0
    ? `after ${l.total !== null && l.total >= l.done ? `${l.done} of ${l.total}` : l.done} records${
        countersText(l.counters) ? ` (${countersText(l.counters)})` : ''
      }`
    : 'before it synchronized any record';

/**
 * What a stopped line says: who stopped it and when, how far it got (its records and counters;
 * those it wrote stay written and coupled), and that a restart continues it.
 */
export function stoppedLineMessage(l: {
  by: string;
  at: Date;
  done: number;
  total: number | null;
  counters: Readonly<Record<string, number>>;
}): string {
  return `Stopped by ${l.by} on ${utc(l.at)} ${howFar(l)}; Restart continues where it stopped`;
}

/**
 * What a line says that the process's stop (Ctrl+C, SIGTERM on `kobling start` or `kobling
 * worker`) handed back to the queue: when, how far it got, and that it goes on by itself — no
 * restart needed, unlike a stopped line. Until a worker takes it again it is `Queued`.
 */
export function interruptedLineMessage(l: {
  at: Date;
  done: number;
  total: number | null;
  counters: Readonly<Record<string, number>>;
}): string {
  return `Interrupted by a shutdown on ${utc(l.at)} ${howFar(l)}; continues where it stopped when a worker runs again`;
}
