import { fail, ok, type Result } from '../../shared/result.ts';
import { readConnection } from '../../sync/connection/connection-repo.ts';
import { unreachableCrm } from '../crm-unreachable.ts';
import type { SyncDeps } from '../sync-runtime.ts';
import { type FullSyncLine, listLines } from './full-sync-lines.ts';
import { type ReviewLine, recountLines, reviewLines } from './full-sync-service.ts';
import { type CountedLine, countEveryLine, lineOf } from './line-counts.ts';

/**
 * The review as the page and `GET /fullSync?recount=true` show it (BC's "Full Synch. Review" lists
 * every line with its recommendation as soon as it is opened, reference §4.1–4.2): the stored
 * lines, every one not at work counted again; before the first *Start*, when none is stored, the
 * lines *Start* would write, `NotStarted`, counted now and written nowhere — a stored `Pending`
 * line is the scheduler's (`advance`) to start. A count that fails then is the answer: an empty
 * review would read as "no mapping has anything to synchronize". A count that fails once lines
 * are stored leaves those lines with their earlier counts and says so (`countsRefreshed: false`,
 * `warning`): counts shown as if current would hide that the CRM is down.
 */
export async function openReview(deps: SyncDeps): Promise<Result<Review>> {
  if ((await listLines(deps.db)).length > 0) {
    const missed = await recountLines(deps);
    const lines = await reviewLines(deps);
    if (!missed) return ok({ lines, countsRefreshed: true });
    const why =
      unreachableCrm(missed.error, (await readConnection(deps.db)).crmUrl) ?? missed.error.message;
    const which =
      missed.mappings.length < missed.counted
        ? `Counts of ${missed.mappings.join(', ')} not refreshed`
        : 'Counts not refreshed';
    // The stored counts are those of the last count that worked; no time is kept for it.
    return ok({
      lines,
      countsRefreshed: false,
      warning: `${which}: ${why}; showing the counts stored by an earlier count`,
    });
  }
  const counted = await countEveryLine(deps);
  // The count's failure as it is, the CRM's status and Retry-After included: they decide the
  // answer's status (a 429 after the retries is a 503 to try later, not a 422 never to repeat).
  if (!counted.ok)
    return fail({
      ...counted.error,
      message: `The lines of the full synchronization could not be worked out: ${counted.error.message}`,
    });
  return ok({ lines: counted.value.map(notStartedLine), countsRefreshed: true });
}

/** The review as opened: its lines and whether their counts are today's. */
export interface Review {
  readonly lines: ReviewLine[];
  /** false: a count failed, so some lines show the counts stored earlier (`warning` says why). */
  readonly countsRefreshed: boolean;
  /** "Counts not refreshed: the CRM at host:port is not reachable (ECONNREFUSED); …". */
  readonly warning?: string;
}

/** What a line holds before any run of it: no progress, no jobs, nothing asked of it. */
export const notRun = () =>
  ({
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
    stopRequestedAt: null,
    stopRequestedBy: null,
  }) satisfies Partial<FullSyncLine>;

/** A line as *Start* would write it (`writeLine`), not started: nothing queued, nothing run. */
export function notStartedLine({ m, c }: CountedLine, i: number): ReviewLine {
  return { ...lineOf(m, i + 1, c), status: 'NotStarted', ...notRun(), waitingFor: [] };
}
