/**
 * A line's status; it moves only along `integration.full_sync_transitions`. `FinishedWithErrors`:
 * its passes ran to their end but some records failed — done for its children (BC: the job queue
 * entry Finished, the direction's job status Error); `Failed`: a pass itself failed, and its
 * children wait.
 */
export type LineStatus =
  | 'Pending'
  | 'Queued'
  | 'Running'
  | 'Finished'
  | 'FinishedWithErrors'
  | 'Failed'
  | 'NotNeeded';

/** A line done: its children may start. */
export const DONE_STATUSES: ReadonlySet<LineStatus> = new Set([
  'Finished',
  'FinishedWithErrors',
  'NotNeeded',
]);

/** A line that did not fully succeed: its pass failed, or records failed (restart-failed runs both). */
export const hasFailures = (status: LineStatus): boolean =>
  status === 'Failed' || status === 'FinishedWithErrors';

/** A mapping's name as a shell argument (`'ITEM UOM'`). */
export const shellName = (mapping: string): string =>
  mapping.includes(' ') ? `'${mapping}'` : mapping;

/**
 * What a line that finished with failed records says: how many failed, that its children went on
 * (they are not held, as in BC), and where to see and retry the records. Only a mapping whose
 * regular job is on gets its records retried by itself; with the job off, `kobling sync` does it.
 */
export function failedRecordsMessage(l: {
  mapping: string;
  failed: number;
  /** What the line did (its counters), and what it held back. */
  summary: string;
  children: readonly string[];
  /** The mapping's recurring job is on (when the line finished). */
  jobEnabled: boolean;
}): string {
  const name = shellName(l.mapping);
  const went =
    l.children.length > 0
      ? `; its dependent line(s) ${l.children.join(', ')} went on regardless`
      : '';
  const retry = l.jobEnabled
    ? `after the fix the mapping's regular job retries them (\`kobling sync ${name}\` now)`
    : `after the fix \`kobling sync ${name}\` retries them (the mapping's regular job is off)`;
  return `${l.failed} record(s) failed (${l.summary})${went}. See them: \`kobling errors --mapping ${name}\`; ${retry}, or \`kobling sync full --restart ${name}\` runs the line again`;
}
