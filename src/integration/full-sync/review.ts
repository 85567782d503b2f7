import { failure, ok, type Result } from '../../shared/result.ts';
import type { SyncDeps } from '../sync-runtime.ts';
import { listLines } from './full-sync-lines.ts';
import { type ReviewLine, reviewLines } from './full-sync-service.ts';
import { type CountedLine, countEveryLine, lineOf } from './line-counts.ts';

/**
 * The review as the page and `GET /fullSync?recount=true` show it (BC's "Full Synch. Review" lists
 * every line with its recommendation as soon as it is opened, reference §4.1–4.2): the stored
 * lines, every one not at work counted again; before the first *Start*, when none is stored, the
 * lines *Start* would write, `NotStarted`, counted now and written nowhere — a stored `Pending`
 * line is the scheduler's (`advance`) to start. A count that fails then is the answer: an empty
 * review would read as "no mapping has anything to synchronize".
 */
export async function openReview(deps: SyncDeps): Promise<Result<ReviewLine[]>> {
  if ((await listLines(deps.db)).length > 0)
    return ok(await reviewLines(deps, { addMissing: true }));
  const counted = await countEveryLine(deps);
  if (!counted.ok)
    return failure(
      counted.error.code,
      `The lines of the full synchronization could not be worked out: ${counted.error.message}`,
    );
  return ok(counted.value.map(notStartedLine));
}

/** A line as *Start* would write it (`writeLine`), not started: nothing queued, nothing run. */
export function notStartedLine({ m, c }: CountedLine, i: number): ReviewLine {
  return {
    ...lineOf(m, i + 1, c),
    status: 'NotStarted',
    message: null,
    done: 0,
    total: null,
    counters: {},
    jobIds: [],
    attempts: 0,
    queuedAt: null,
    startedAt: null,
    heartbeatAt: null,
    finishedAt: null,
    matched: null,
    ambiguous: null,
    skippedRecords: null,
    waitingFor: [],
  };
}
