import type { Queryable } from '../../db/db.ts';
import type { PgBoss } from '../../db/job-queue.ts';
import { agree, plural } from '../../shared/plural.ts';
import { type AppFailure, fail, failure, ok, type Result } from '../../shared/result.ts';
import { mappingNameOf, nameNotFound } from '../../sync/mappings/mapping-name.ts';
import { getMapping, listMappings } from '../../sync/mappings/mapping-repo.ts';
import type { TableMapping } from '../../sync/model.ts';
import { whileLockFree } from '../mapping-lock.ts';
import type { SyncDeps } from '../sync-runtime.ts';
import { failedDependents, openParents } from './dependents.ts';
import {
  type FullSyncLine,
  listLines,
  MOVED_LINE_MESSAGE,
  startMovedLines,
  transition,
} from './full-sync-lines.ts';
import {
  type CountedLine,
  countEveryLine,
  counts,
  crmAnswers,
  type LineCounts,
  lineOf,
} from './line-counts.ts';
import { hasFailures } from './line-status.ts';
import { removeLinesExcept, upsertLine } from './line-upsert.ts';
import { queuedWithoutJob } from './queued-orphans.ts';
import { hasOwnLine, noLineMessage } from './recommendation.ts';
import { withReviewLock } from './review-lock.ts';
import { type ReviewLine, restartedWhat, restartMessage, startMessage } from './review-messages.ts';
import { saveStopped, stopRequest } from './stop-watch.ts';
import { STALE_AFTER_MS } from './worker-reports.ts';

export {
  nothingToStart,
  type ReviewLine,
  restartMessage,
  startMessage,
} from './review-messages.ts';
export { STALE_AFTER_MS } from './worker-reports.ts';

export const FULL_SYNC_QUEUE = 'sync.fullSync';

/** Writes a mapping's line with both sides' counts (see `upsertLine`). */
function writeLine(
  db: Queryable,
  m: TableMapping,
  position: number,
  c: LineCounts,
  opts: { recounted?: 'stored' | 'missing' } = {},
): Promise<void> {
  return upsertLine(db, lineOf(m, position, c), opts);
}

/**
 * Counts a mapping's records on both sides and writes its line as a recount does: a line dropped
 * while it counted stays dropped (see `upsertLine`).
 */
async function countLine(
  deps: SyncDeps,
  m: TableMapping,
  position: number,
  recounted: 'stored' | 'missing',
): Promise<Result<void>> {
  const c = await counts(deps, m);
  if (!c.ok) return c;
  await writeLine(deps.db, m, position, c.value, { recounted });
  return ok(undefined);
}

/**
 * Writes the review lines (BC's "Dynamics 365 Sales Full Synch. Review"): one per mapping except
 * document-line mappings, with the recommendation from both sides' record counts. Every line not
 * at work gets today's counts; lines that are queued, running or done keep their state.
 */
export async function generateLines(deps: SyncDeps): Promise<Result<FullSyncLine[]>> {
  const counted = await countEveryLine(deps);
  if (!counted.ok) return counted;
  await writeEveryLine(deps, counted.value);
  return ok(await listLines(deps.db));
}

/** Writes every line at once, in the mappings' order; drops the lines of mappings gone. */
async function writeEveryLine(deps: SyncDeps, counted: readonly CountedLine[]): Promise<void> {
  await deps.db.transaction(async (tx) => {
    await removeLinesExcept(
      tx,
      counted.map(({ m }) => m.name),
    );
    for (const [i, { m, c }] of counted.entries()) await writeLine(tx, m, i + 1, c);
  });
}

function waitingFor(line: FullSyncLine, byName: ReadonlyMap<string, FullSyncLine>): string[] {
  return openParents(line, byName).map((p) =>
    p.status === 'Failed'
      ? `${p.mapping} (failed: ${p.message ?? 'see its jobs'})`
      : p.status === 'Stopped'
        ? `${p.mapping}, which was stopped (restart it to continue)`
        : p.mapping,
  );
}

/**
 * Hands every pending line whose parents have all finished to the workers (a line recommending
 * nothing is marked not needed at once, which may free its children), and hands out again the
 * running lines whose worker stopped answering and the queued lines no job runs. Called on start,
 * on restart and whenever a line ends, so children start as soon as their parents finish.
 */
export const advance = (deps: SyncDeps, boss: PgBoss): Promise<string[]> =>
  withReviewLock(deps.db, () => advanceLines(deps, boss));

/** `advance` for a caller that holds the review lock. */
async function advanceLines(deps: SyncDeps, boss: PgBoss): Promise<string[]> {
  const queued: string[] = [];
  for (const l of await listLines(deps.db)) {
    const silentFor = l.heartbeatAt ? Date.now() - new Date(l.heartbeatAt).getTime() : 0;
    if (l.status !== 'Running' || silentFor <= STALE_AFTER_MS) continue;
    // Handed out again only while nobody holds the mapping's lock: its worker is gone. One asked
    // to stop is stopped: its worker cannot any more.
    const stop = await stopRequest(deps.db, l.mapping);
    const stale = await whileLockFree(deps.db, l.mapping, () =>
      stop
        ? saveStopped(deps.db, l.mapping, stop, { since: new Date() }).then(() => undefined)
        : transition(
            deps.db,
            l.mapping,
            'Queued',
            'Its worker stopped; continuing where it stopped',
          ),
    );
    if (stale.value) {
      await boss.send(FULL_SYNC_QUEUE, { mapping: l.mapping });
      queued.push(l.mapping);
    }
  }
  // Queued, yet no job will run them (their retries used up by shutdowns): handed out again.
  for (const mapping of await queuedWithoutJob(deps.db, FULL_SYNC_QUEUE)) {
    deps.logger.warn({ mapping }, 'full synchronization line queued without a job; queued again');
    await boss.send(FULL_SYNC_QUEUE, { mapping });
    queued.push(mapping);
  }
  for (let changed = true; changed; ) {
    changed = false;
    const lines = await listLines(deps.db);
    const byName = new Map(lines.map((l) => [l.mapping, l]));
    for (const l of lines) {
      if (l.status !== 'Pending' || waitingFor(l, byName).length > 0) continue;
      // Not started since a move to another organization: only *Start* starts it.
      if (l.message === MOVED_LINE_MESSAGE) continue;
      if (l.recommendation === 'NoRecords') {
        if (await transition(deps.db, l.mapping, 'NotNeeded', 'No records on either side'))
          changed = true;
        continue;
      }
      if (await transition(deps.db, l.mapping, 'Queued')) {
        const id = await boss.send(FULL_SYNC_QUEUE, { mapping: l.mapping });
        if (!id) await transition(deps.db, l.mapping, 'Failed', 'The job queue refused the line');
        else queued.push(l.mapping);
      }
    }
  }
  return queued;
}

/** *Start*: (re)generates the lines and starts every line whose parents are done. */
export async function startFullSync(
  deps: SyncDeps,
  boss: PgBoss,
): Promise<Result<{ queued: string[]; lines: ReviewLine[]; message: string }>> {
  const counted = await countEveryLine(deps);
  // Spread, not rebuilt: the CRM's status and Retry-After decide the answer (`dataverseAnswer`).
  if (!counted.ok)
    return fail({ ...counted.error, message: `Nothing started: ${counted.error.message}` });
  // Written and started in one go: a scheduler tick in between would start the lines itself, and
  // this start would answer that they were already at work.
  const queued = await withReviewLock(deps.db, async () => {
    await writeEveryLine(deps, counted.value);
    await startMovedLines(deps.db);
    return advanceLines(deps, boss);
  });
  const lines = await reviewLines(deps);
  return ok({ queued, lines, message: startMessage(queued, lines) });
}

/**
 * *Restart* of one line (failed, finished with or without failed records, or not needed): back
 * to pending, then started again. Its dependent lines that failed or had failed records
 * (`failedDependents`) go back to pending with it: their failures may well have come from it (an
 * item whose unit group was not coupled), and they start when it has finished, as after a start. Each is counted again; when a count fails nothing is restarted.
 */
export async function restartLine(
  deps: SyncDeps,
  boss: PgBoss,
  given: string,
): Promise<Result<{ queued: string[]; line: ReviewLine; dependents: string[]; message: string }>> {
  const mapping = mappingNameOf(given);
  const lines = await listLines(deps.db);
  const line = lines.find((l) => l.mapping === mapping);
  if (!line) return lineNotFound(deps, given, lines);
  const busy = () =>
    failure(
      'line_busy',
      `The full synchronization of ${mapping} is ${line.status.toLowerCase()}; only a failed, finished (with or without failed records) or stopped line can be restarted`,
    );
  if (!RESTARTABLE.has(line.status)) return busy();
  // The mapping and both sides may have changed since the line was written (that is often the fix).
  const counted = await countAgain(deps, [
    line,
    ...failedDependents(lines, mapping).map((name) => lines.find((l) => l.mapping === name)!),
  ]);
  if (!counted.ok) return counted;
  const [own, ...dependents] = counted.value;
  // Its mapping gone, the line went with it (ON DELETE CASCADE).
  if (own?.line !== line) return busy();
  // Moved together, the dependents while the parent is pending: none of them can start before it
  // has finished.
  const moved = await withReviewLock(deps.db, async () => {
    const restarted = await deps.db.transaction(async (tx) =>
      (await backToPending(tx, [own])).length > 0 ? backToPending(tx, dependents) : undefined,
    );
    return restarted && { restarted, queued: await advanceLines(deps, boss) };
  });
  if (!moved) return busy();
  const { restarted, queued } = moved;
  const review = await reviewLines(deps);
  return ok({
    queued,
    line: review.find((l) => l.mapping === mapping)!,
    dependents: restarted,
    message: restartMessage(mapping, review, restarted),
  });
}

const RESTARTABLE = new Set(['Failed', 'Finished', 'FinishedWithErrors', 'NotNeeded', 'Stopped']);

/**
 * The not_found of an action on a line (restart, stop), the same either way: for a mapping there
 * is, why it has no line; one that names a mapping there is not names the one meant among those
 * with a line (the name as given: `custmer`, not `CUSTMER`).
 */
export async function lineNotFound(
  deps: SyncDeps,
  given: string,
  lines: readonly FullSyncLine[],
): Promise<Result<never>> {
  const m = await getMapping(deps.db, mappingNameOf(given));
  return m
    ? failure('not_found', noLineMessage(m, lines.length > 0))
    : fail(
        nameNotFound(
          'table mapping',
          given,
          lines.map((l) => l.mapping),
          'mappings with a full synchronization line',
        ),
      );
}

type RecountedLine = CountedLine & { line: FullSyncLine };

/**
 * Lines to restart, counted again with their mappings as they are now, before any of them moves:
 * a count that fails (the CRM unreachable) restarts none. A line whose mapping went meanwhile is
 * left out (the line went with it).
 */
async function countAgain(
  deps: SyncDeps,
  lines: readonly FullSyncLine[],
): Promise<Result<RecountedLine[]>> {
  const up = await crmAnswers(deps);
  if (!up.ok) return fail({ ...up.error, message: `Nothing restarted: ${up.error.message}` });
  const counted: RecountedLine[] = [];
  for (const line of lines) {
    const m = await getMapping(deps.db, line.mapping);
    if (!m) continue;
    const c = await counts(deps, m);
    if (!c.ok) return fail({ ...c.error, message: `Nothing restarted: ${c.error.message}` });
    counted.push({ line, m, c: c.value });
  }
  return ok(counted);
}

/**
 * Moves counted lines back to pending with their new counts; answers those moved. A line that
 * left its status since it was read (another restart) is left to that restart.
 */
async function backToPending(tx: Queryable, counted: readonly RecountedLine[]): Promise<string[]> {
  const moved: string[] = [];
  for (const { line, m, c } of counted) {
    if (!(await transition(tx, line.mapping, 'Pending'))) continue;
    await writeLine(tx, m, line.position, c);
    moved.push(line.mapping);
  }
  return moved;
}

/**
 * *Restart failed lines*: every failed line, and every line that finished with failed records,
 * back to pending, counted again, then started like a restart of each (children waiting on them
 * follow as they finish). Every line is counted before any is touched, and all move in one
 * transaction: a count that fails (the CRM unreachable) restarts none. Refused when no line has
 * failed or has failed records.
 */
export async function restartFailedLines(
  deps: SyncDeps,
  boss: PgBoss,
): Promise<
  Result<{ restarted: string[]; queued: string[]; lines: ReviewLine[]; message: string }>
> {
  const failed = (await listLines(deps.db)).filter((l) => hasFailures(l.status));
  if (failed.length === 0)
    return failure(
      'no_failed_lines',
      'No line of the full synchronization has failed or has failed records: nothing to restart. `kobling sync full` (POST …/fullSync/start) starts the lines not done; `--restart MAPPING` (POST …/fullSync/lines/{mapping}/restart) runs a finished line again',
    );
  const counted = await countAgain(deps, failed);
  if (!counted.ok) return counted;
  const restarted = await deps.db.transaction((tx) => backToPending(tx, counted.value));
  if (restarted.length === 0)
    return failure('line_busy', 'The failed lines were restarted meanwhile: nothing to restart');
  const queued = await advance(deps, boss);
  const lines = await reviewLines(deps);
  const waiting = restarted.filter((name) => !queued.includes(name));
  return ok({
    restarted,
    queued,
    lines,
    message: `Restarted ${restartedWhat(failed, restarted)}${
      waiting.length > 0
        ? `; ${waiting.join(', ')} ${agree(waiting.length, 'starts when its parents are', 'start when their parents are')} done`
        : ''
    }.`,
  });
}

/**
 * The lines with what each waits for. `addMissing`: for the review page and API, not for every
 * progress poll — every line not at work is counted again (the counts written at *Start* go stale
 * as records come and go: "53 / 52" when the CRM had 17 accounts), and a mapping that got its
 * line since the lines were generated (added again, e.g. SALESPEOPLE when the ownership model
 * returns to Person) is counted and gets its line now.
 */
export async function reviewLines(
  deps: SyncDeps,
  opts: { addMissing?: boolean } = {},
): Promise<ReviewLine[]> {
  if (opts.addMissing) await recountLines(deps);
  const lines = await listLines(deps.db);
  const byName = new Map(lines.map((l) => [l.mapping, l]));
  return lines.map((l) => ({
    ...l,
    waitingFor: l.status === 'Pending' ? waitingFor(l, byName) : [],
  }));
}

/**
 * Counts every line not at work again (see `reviewLines`). Answers the first count that failed,
 * with the mappings left with their earlier counts, or undefined when every line was counted: the
 * review says the counts were not refreshed, logged once, not once per mapping.
 */
export async function recountLines(
  deps: SyncDeps,
): Promise<{ error: AppFailure; mappings: string[]; counted: number } | undefined> {
  const lines = await listLines(deps.db);
  if (lines.length === 0) return undefined; // nothing generated yet: *Start* writes them all
  const atWork = new Set(
    lines.filter((l) => l.status === 'Queued' || l.status === 'Running').map((l) => l.mapping),
  );
  const mappings = (await listMappings(deps.db)).filter(hasOwnLine);
  const failed: { mapping: string; error: AppFailure }[] = [];
  const stored = new Set(lines.map((l) => l.mapping));
  const up = await crmAnswers(deps);
  // Counted side by side: one count each on both sides, so the page waits for the slowest only.
  await Promise.all(
    mappings.map(async (m, i) => {
      if (atWork.has(m.name)) return; // its worker reports progress; upsertLine skips it anyway
      const written = up.ok
        ? await countLine(deps, m, i + 1, stored.has(m.name) ? 'stored' : 'missing')
        : up;
      // The line keeps its last counts (or is left for *Start* to write, which says why).
      if (!written.ok) failed.push({ mapping: m.name, error: written.error });
    }),
  );
  const first = failed[0];
  if (!first) return undefined;
  // In the mappings' order, not the order the counts failed in.
  const names = mappings.map((m) => m.name).filter((n) => failed.some((f) => f.mapping === n));
  deps.logger.warn(
    { mappings: names, code: first.error.code },
    `Review counts not refreshed for ${plural(names.length, 'mapping')}: ${first.error.message}`,
  );
  return {
    error: first.error,
    mappings: names,
    counted: mappings.filter((m) => !atWork.has(m.name)).length,
  };
}
