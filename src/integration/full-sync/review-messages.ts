import { agree, plural } from '../../shared/plural.ts';
import { openParents, type ParentLine } from './dependents.ts';
import { expectedTotal, type FullSyncLine, MOVED_LINE_MESSAGE } from './full-sync-lines.ts';
import type { ReviewStatus } from './line-status.ts';

/**
 * A review line with what it waits for, for people watching the review. Before the first *Start*
 * the review shows the lines *Start* would write, `NotStarted` (src/integration/full-sync/review.ts).
 */
export interface ReviewLine extends Omit<FullSyncLine, 'status'> {
  readonly status: ReviewStatus;
  /** Parents that have not finished (with why, when one failed). */
  readonly waitingFor: readonly string[];
}

/**
 * A line as the API and the CLI's `--json` answer it: with `expectedTotal`, the records it is
 * expected to handle (what the CLI's and the page's bars count to), as `total` is known only once
 * the engine reports it.
 */
export const answeredLine = (l: ReviewLine): ReviewLine & { expectedTotal: number | null } => ({
  ...l,
  expectedTotal: expectedTotal(l),
});

/** What *Start* did, in words: a start that queued nothing says why. */
export function startMessage(queued: readonly string[], lines: readonly ReviewLine[]): string {
  const atWork = lines.filter((l) => l.status === 'Queued' || l.status === 'Running');
  if (queued.length > 0)
    return `Full synchronization started: ${plural(queued.length, 'line')} queued${
      lines.some((l) => l.status === 'Pending') ? ', the others follow their parents' : ''
    }.`;
  if (atWork.length > 0) {
    // A queued line is not at work yet: after a shutdown it waits until a worker runs again.
    const named = (status: string) =>
      atWork.filter((l) => l.status === status).map((l) => l.mapping);
    const running = named('Running');
    const queued = named('Queued');
    return `Nothing new to start: ${[
      ...(running.length > 0 ? [`${running.join(', ')} already at work`] : []),
      ...(queued.length > 0 ? [`${queued.join(', ')} queued, waiting for a worker`] : []),
    ].join('; ')}.`;
  }
  const held = lines.filter((l) => l.status === 'Pending');
  const failed = lines.filter((l) => l.status === 'Failed').map((l) => l.mapping);
  const stopped = lines.filter((l) => l.status === 'Stopped').map((l) => l.mapping);
  if (held.length > 0)
    return `Nothing could start: ${held
      .map((l) => `${l.mapping} waits for ${l.waitingFor.join(', ')}`)
      .join(
        '; ',
      )}. ${failed.length > 0 ? 'Fix the failed line, then restart it.' : 'Restart the stopped line to continue it.'}`;
  const withErrors = lines.filter((l) => l.status === 'FinishedWithErrors').map((l) => l.mapping);
  const notes = [
    ...(failed.length > 0 ? [`${failed.join(', ')} failed`] : []),
    ...(stopped.length > 0 ? [`${stopped.join(', ')} stopped`] : []),
    ...(withErrors.length > 0 ? [`${withErrors.join(', ')} with failed records`] : []),
  ];
  const ended = [
    'finished',
    ...(failed.length > 0 ? ['failed'] : []),
    ...(stopped.length > 0 ? ['been stopped'] : []),
  ];
  return `Nothing to start: every line has ${ended.join(', ')} or had nothing to synchronize${
    notes.length > 0 ? ` (${notes.join('; ')})` : ''
  }. Restart a line to run it again${stopped.length > 0 ? ' (a stopped one continues where it stopped)' : ''}.`;
}

/**
 * What *Start* would answer now when it would start nothing (`startMessage` with nothing queued),
 * or undefined when it would write or hand out lines: before the first *Start*, or while a pending
 * line is free to start or not started since a move to another organization. The review page
 * offers no *Start* that would do nothing.
 */
export function nothingToStart(lines: readonly ReviewLine[]): string | undefined {
  const startable = lines.some(
    (l) =>
      l.status === 'NotStarted' ||
      (l.status === 'Pending' && (l.waitingFor.length === 0 || l.message === MOVED_LINE_MESSAGE)),
  );
  return lines.length === 0 || startable ? undefined : startMessage([], lines);
}

/**
 * What a restart of one line did, in words: when it starts and which failed lines follow it. A
 * parent that failed does not finish by itself: the answer says to restart it first.
 */
export function restartMessage(
  mapping: string,
  lines: readonly ParentLine[],
  dependents: readonly string[],
): string {
  const byName = new Map(lines.map((l) => [l.mapping, l]));
  const line = byName.get(mapping);
  const parents = line?.status === 'Pending' ? openParents(line, byName) : [];
  const failed = parents.filter((p) => p.status === 'Failed');
  const others = parents.filter((p) => p.status !== 'Failed').map((p) => p.mapping);
  const when =
    failed.length > 0
      ? `; it waits for ${failed
          .map((p) => `${p.mapping}, which failed (${p.message ?? 'see its jobs'})`)
          .join(', and for ')}${
          others.length > 0 ? `, and for ${others.join(', ')}, not done yet` : ''
        }: restart ${agree(failed.length, failed[0]?.mapping ?? '', 'them')} first`
      : others.length > 0
        ? `; it starts when ${others.join(', ')} ${agree(others.length, 'is', 'are')} done`
        : '';
  const after =
    dependents.length > 0
      ? `; its failed dependent ${agree(dependents.length, 'line', 'lines')} ${dependents.join(', ')} ${agree(dependents.length, 'restarts', 'restart')} when it has finished`
      : '';
  return `Restarted the full synchronization of ${mapping}${when}${after}.`;
}

/** The restarted lines in words, those that failed apart from those that had failed records. */
export function restartedWhat(
  lines: readonly FullSyncLine[],
  restarted: readonly string[],
): string {
  const named = (status: string) =>
    lines.filter((l) => l.status === status && restarted.includes(l.mapping)).map((l) => l.mapping);
  const failed = named('Failed');
  const withErrors = named('FinishedWithErrors');
  return [
    ...(failed.length > 0 ? [`${plural(failed.length, 'failed line')}: ${failed.join(', ')}`] : []),
    ...(withErrors.length > 0
      ? [`${plural(withErrors.length, 'line')} with failed records: ${withErrors.join(', ')}`]
      : []),
  ].join(' and ');
}
