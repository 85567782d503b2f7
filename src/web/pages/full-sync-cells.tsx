import type { ReviewLine } from '../../integration/full-sync/full-sync-service.ts';
import { DONE_STATUSES, STOPPABLE, whatHappened } from '../../integration/full-sync/line-status.ts';
import { silenceNote } from '../../integration/full-sync/worker-reports.ts';
import { dependenciesOf } from '../../sync/model.ts';
import { BusyButton } from '../components/busy-button.tsx';

// Cells of the full synchronization review's lines (src/web/pages/full-sync.tsx).

/**
 * A line's status as a badge, toned as BC's review (reference §4.3 "Progress display"): a clean
 * finish green, a failed line red, a line not started (before the first *Start* too), waiting or
 * not needed neutral, a queued or running one in progress (BC's yellow, outlined). A finish with failed records is amber with how
 * many: its children went on, but it is not a plain "Finished". The title is the API's status.
 */
function lineStatusBadge(l: ReviewLine): { tone: string; caption: string } {
  switch (l.status) {
    case 'Finished':
      return { tone: 'ok', caption: 'Finished' };
    case 'FinishedWithErrors':
      return { tone: 'warn', caption: `Finished · ${l.counters.failed ?? 0} failed` };
    case 'Failed':
      return { tone: 'bad', caption: 'Failed' };
    case 'Stopped':
      return { tone: 'warn', caption: 'Stopped' };
    case 'NotNeeded':
      return { tone: 'muted', caption: 'Not needed' };
    case 'Queued':
      return { tone: 'busy', caption: 'Queued' };
    case 'Running':
      return { tone: 'busy', caption: l.stopRequestedAt ? 'Stopping' : 'Running' };
    case 'NotStarted':
      return { tone: 'muted', caption: 'Not started' };
    case 'Pending':
      return {
        tone: 'muted',
        caption: l.waitingFor.length > 0 ? 'Waiting for parents' : 'Not started',
      };
  }
}

export function LineStatusBadge(props: { line: ReviewLine }) {
  const b = lineStatusBadge(props.line);
  return (
    <span class={`badge ${b.tone}`} title={props.line.status} safe>
      {b.caption}
    </span>
  );
}

/**
 * What a line that finished with failed records says on the web: what happened (the line's
 * message without the CLI's commands), then where to see the records — the Log's jobs of the
 * mapping with their errors, the skipped records page — and what retries them: the mapping's
 * next run, Retry on the skipped records page, or the line's Restart button.
 */
export function FailedRecordsNote(props: { line: ReviewLine }) {
  const l = props.line;
  const name = encodeURIComponent(l.mapping);
  const failed = (l.counters.failed ?? 0) > 0;
  const skipped = (l.skippedRecords ?? 0) > 0;
  // Each record counted once: a skipped one failed too, and only Retry retries it.
  const retried = (l.counters.failed ?? 0) > (l.skippedRecords ?? 0);
  return (
    <>
      <span safe>{`${whatHappened(l.message ?? '')}. See `}</span>
      {failed ? (
        <a href={`/integration/log?mapping=${name}`} safe>
          {`the log of ${l.mapping}`}
        </a>
      ) : (
        ''
      )}
      {failed ? ' (each job with its errors)' : ''}
      {failed && skipped ? ' and ' : ''}
      {skipped ? (
        <a href={`/integration/skipped?mapping=${name}`} safe>
          {`the skipped records of ${l.mapping}`}
        </a>
      ) : (
        ''
      )}
      {'; after the fix '}
      {retried ? (
        <>
          {`the mapping's next run retries ${skipped ? 'the ones not skipped' : 'the failed ones'} (Synchronize on `}
          <a href="/integration/mappings">Integration table mappings</a>
          {'), '}
        </>
      ) : (
        ''
      )}
      {skipped
        ? `Retry on the skipped records page retries ${retried ? 'the skipped ones' : 'them'}, `
        : ''}
      {'or Restart runs the line again.'}
    </>
  );
}

/** A running line asked to stop: who asked, and that it stops once its chunk is written. */
export const stoppingNote = (l: Pick<ReviewLine, 'stopRequestedBy'>): string =>
  `Stopping (asked by ${l.stopRequestedBy ?? 'someone'}): it stops once the records it is writing now are written`;

/**
 * A line's action on the review page: *Stop* while it is pending, queued or running (not once its
 * worker was asked to stop), *Restart* once it is done, failed or stopped; each asks first.
 */
export function LineAction(props: { line: ReviewLine }) {
  const l = props.line;
  const path = `/integration/full-sync/lines/${encodeURIComponent(l.mapping)}`;
  if (STOPPABLE.has(l.status) && !l.stopRequestedAt)
    return (
      <BusyButton
        label="Stop"
        busy="Stopping…"
        hx-post={`${path}/stop`}
        hx-target="#flash"
        hx-confirm={`Stop the full synchronization of ${l.mapping}? What it has written stays; Restart continues it where it stopped.`}
        aria-label={`Stop ${l.mapping}`}
      />
    );
  if (DONE_STATUSES.has(l.status) || l.status === 'Failed' || l.status === 'Stopped')
    return (
      <BusyButton
        label="Restart"
        busy="Restarting…"
        hx-post={`${path}/restart`}
        hx-target="#flash"
        hx-confirm={`Restart the full synchronization of ${l.mapping}?`}
        aria-label={`Restart ${l.mapping}`}
      />
    );
  return '';
}

/**
 * What a line's last column says when it has no failed records to explain: what it waits for,
 * what a line not started yet will start after, that a queued line waits for a worker while none
 * has been seen lately, that a running line's worker has not reported for a while (as `kobling
 * sync full` says it), or its message.
 */
export function lineNote(l: ReviewLine, workerSeen: boolean, now: number): string {
  if (l.waitingFor.length > 0) return `Waits for ${l.waitingFor.join(', ')}`;
  if (l.status === 'NotStarted' && dependenciesOf(l).length > 0)
    return `Starts after ${dependenciesOf(l).join(', ')}`;
  if (l.status === 'Queued' && !workerSeen)
    return `Waiting for a worker${l.message ? ` · ${l.message}` : ''}`;
  if (l.status === 'Running' && l.stopRequestedAt)
    return `${stoppingNote(l)}${l.message ? ` · ${l.message}` : ''}`;
  const silence = silenceNote(l, now, workerSeen);
  if (silence)
    return `${silence[0]!.toUpperCase()}${silence.slice(1)}${l.message ? ` · ${l.message}` : ''}`;
  return l.message ?? '';
}
