import { setTimeout as sleep } from 'node:timers/promises';
import type { FullSyncLineRunner } from '../../app/context.ts';
import type { JobDefinition, PgBoss } from '../../db/job-queue.ts';
import { systemClock } from '../../shared/clock.ts';
import { agree, plural } from '../../shared/plural.ts';
import { causedByShutdown } from '../../shared/stopping.ts';
import { countersText } from '../../sync/counters-text.ts';
import { restoreMappingSkipped } from '../../sync/couplings/coupling-repo.ts';
import { skippedAfterFailing } from '../../sync/couplings/skipped-couplings.ts';
import type { EngineContext } from '../../sync/engine/context.ts';
import { type PassReport, runMapping } from '../../sync/engine/run-mapping.ts';
import { PassFailed } from '../../sync/errors.ts';
import { getMapping } from '../../sync/mappings/mapping-repo.ts';
import { COUNTER_NAMES, dependenciesOf, emptyCounters } from '../../sync/model.ts';
import {
  matchCriteria,
  matchUncoupledRecords,
  syncNeverSynchronized,
  type UncoupledMatch,
} from '../../sync/service/match-uncoupled.ts';
import { crmUnreachableNow } from '../crm-unreachable.ts';
import { withMappingLock } from '../mapping-lock.ts';
import { openEngine, type SyncDeps } from '../sync-runtime.ts';
import {
  type FullSyncLine,
  heartbeat,
  lineProgress,
  listLines,
  prepareWatermarks,
  saveMatch,
  saveOutcome,
  saveProgress,
  saveRunningMessage,
  transition,
} from './full-sync-lines.ts';
import { advance, FULL_SYNC_QUEUE } from './full-sync-service.ts';
import { handBack } from './hand-back.ts';
import { withoutRecords } from './held-records.ts';
import { freshenLineStatistics } from './line-statistics.ts';
import { DONE_STATUSES, failedRecordsMessage } from './line-status.ts';
import { whileMatching } from './matching-note.ts';
import { LineStopped, saveStopped, watchStop } from './stop-watch.ts';
import { HEARTBEAT_EVERY_MS } from './worker-reports.ts';

export const FULL_SYNC_TRIGGER = 'fullSynchronization';

/** The workers' dependencies, with the lines a later part runs its own way (see AppContext). */
export type FullSyncDeps = SyncDeps & {
  readonly fullSyncLines?: Readonly<Record<string, FullSyncLineRunner>> | undefined;
  /** `PASS_RETRY_DELAYS_MS` unless given (tests wait less). */
  readonly passRetryDelaysMs?: readonly number[];
  /** How often a running line looks for a stop request: `STOP_POLL_MS` unless given. */
  readonly stopPollMs?: number;
};

type LineRun = Awaited<ReturnType<typeof runLocked>>;

/**
 * How long a line waits before each run again of a pass that stopped as a whole (the CRM
 * unreachable or throttled beyond the connector's retries), before the line is failed: run again
 * at once, a CRM that is restarting, or a network that dropped for a moment, failed it within
 * seconds, to be restarted by hand.
 */
export const PASS_RETRY_DELAYS_MS: readonly number[] = [10_000, 60_000];

/**
 * Runs one review line on a worker, holding the mapping's lock from start to end. Under it: the
 * line's first run clears the mapping's watermarks; a *Couple records* line (and a *Full
 * synchronization* line of a mapping with match fields) couples the uncoupled records that match
 * on the mapping's match fields (again on every run: coupled records are left
 * out, so nothing is coupled twice) and holds back the ambiguous ones; then every record in the
 * mapping's filters is synchronized, coupled or not. A line handed out again after its worker
 * stopped continues from the watermarks the run had reached (couplings, pending ones included,
 * make every record go across exactly once). When it ends, the children whose parents are now
 * all done are started.
 */
export async function runFullSyncLine(
  deps: FullSyncDeps,
  boss: PgBoss,
  mapping: string,
): Promise<void> {
  const before = await transition(deps.db, mapping, 'Running');
  if (!before) return; // another worker runs it, or it was restarted meanwhile
  const started = performance.now();
  deps.logger.info({ mapping }, 'full synchronization line started');
  // Its jobs from here on (the database's clock): those of a run a stop ends are the line's too.
  let since = new Date();
  // Someone may stop the line (another process): its passes end between chunks, a wait at once.
  const watch = watchStop(deps, mapping);
  let reported: ReturnType<ReturnType<typeof lineProgress>> | undefined;
  const beat = setInterval(() => {
    heartbeat(deps.db, mapping).catch((err) =>
      deps.logger.warn({ err, mapping }, 'heartbeat failed'),
    );
  }, HEARTBEAT_EVERY_MS);
  try {
    since = (await deps.db.query<{ now: Date }>('SELECT now()')).rows[0]!.now;
    const engine = await openEngine(deps);
    if (!engine.ok) throw new Error(engine.error.message);
    // A line handed out again after its worker died continues the count of what that run did.
    const progress = lineProgress(before);
    let lastSaved = 0;
    const ctx: EngineContext = {
      ...engine.value,
      signal: watch.signal,
      onProgress: (counters, done, total) => {
        const p = progress(counters, done, total);
        reported = p;
        if (Date.now() - lastSaved < 1000) return;
        lastSaved = Date.now();
        saveProgress(deps.db, mapping, p).catch((err) =>
          deps.logger.warn({ err, mapping }, 'progress not saved'),
        );
      },
    };
    const runs = await runUntilDone(deps, mapping, watch.signal, () =>
      runLocked(deps, ctx, before),
    );
    // Every run's jobs and counters: a run that stopped had written records before it did.
    const reports = runs.flatMap((r) => r.reports);
    const restored = runs.reduce((n, r) => n + r.restored, 0);
    const last = runs.at(-1)!;
    const match = last.match && {
      ...last.match,
      matched: runs.reduce((n, r) => n + (r.match?.matched ?? 0), 0),
    };
    const counted = Object.fromEntries(
      COUNTER_NAMES.map((c) => [c, runs.reduce((n, r) => n + (r.counted?.[c] ?? 0), 0)]),
    );
    // A run again tries the records an earlier run failed (they are in its retry set): the line's
    // failed records are the last run's.
    const counters = Object.fromEntries(
      COUNTER_NAMES.map((c) => [
        c,
        (c === 'failed' ? last.reports : reports).reduce(
          (n, p) => n + p.counters[c],
          (before.counters[c] ?? 0) + (counted[c] ?? 0),
        ),
      ]),
    );
    // Records skipped after failing are not synchronized, and nothing retries them by itself: the
    // line does not read clean while the mapping has any (those it restored and that failed the
    // same way again, or skipped since a run handed out again began).
    const skippedRecords = (await skippedAfterFailing(deps.db, mapping)).get(mapping) ?? 0;
    await saveOutcome(deps.db, mapping, {
      jobIds: reports.map((p) => p.jobId),
      counters,
      skippedRecords,
    });
    // Only the last run's: an earlier run's stop was run again.
    const failed = last.reports.find((p) => p.status === 'failed');
    const failedRecords = counters.failed ?? 0;
    const summary =
      [
        ...(restored > 0 ? [`${plural(restored, 'skipped record')} restored first`] : []),
        ...(match?.matched ? [`${match.matched} coupled by matching`] : []),
        countersText(counters),
      ]
        .filter(Boolean)
        .join(', ') || 'nothing to do';
    const held = match?.ambiguous
      ? `; ${plural(match.ambiguous, 'record')} not coupled because several records match ${agree(match.ambiguous, 'it', 'them')} (held back, not created: couple ${agree(match.ambiguous, 'it', 'them')} by hand, see the coupling job's errors)`
      : '';
    const status = failed
      ? 'Failed'
      : failedRecords > 0 || skippedRecords > 0
        ? 'FinishedWithErrors'
        : 'Finished';
    deps.logger.info(
      {
        mapping,
        status,
        counters,
        jobIds: reports.map((p) => p.jobId),
        ms: Math.round(performance.now() - started),
      },
      'full synchronization line finished',
    );
    // As in BC's review: a pass that failed holds the children; records that failed do not (the
    // line's job queue entry is Finished there, its direction's job status Error), yet the line
    // says so, and how many.
    if (failed)
      await transition(deps.db, mapping, 'Failed', await stoppedMessage(deps, failed, runs));
    else if (status === 'FinishedWithErrors') {
      // The children that start after it: those that finished before (a restart leaves a
      // finished child alone) did not go on from this run.
      const children = (await listLines(deps.db))
        .filter((l) => dependenciesOf(l).includes(mapping) && !DONE_STATUSES.has(l.status))
        .map((l) => l.mapping);
      await transition(
        deps.db,
        mapping,
        'FinishedWithErrors',
        failedRecordsMessage({
          mapping,
          failed: failedRecords,
          skipped: skippedRecords,
          summary: `${summary}${held}`,
          children,
          // Read now: the user may have turned the job off since the line started.
          jobEnabled: (await getMapping(deps.db, mapping))?.jobEnabled ?? false,
        }),
      );
    } else await transition(deps.db, mapping, 'Finished', `${summary}${held}`);
  } catch (err) {
    if (causedByShutdown(err)) {
      await handBack(deps, mapping, {
        started,
        since,
        ...(reported ? { progress: reported } : {}),
      });
      throw err;
    }
    if (err instanceof LineStopped) {
      deps.logger.info(
        { mapping, status: 'Stopped', by: err.by, ms: Math.round(performance.now() - started) },
        'full synchronization line finished',
      );
      await saveStopped(deps.db, mapping, err, {
        since,
        ...(reported ? { progress: reported } : {}),
      });
      await advance(deps, boss);
      return;
    }
    // A known reason (no match fields, the CRM unreadable, …) is the line's outcome; anything else
    // is a bug, with its stack in the log.
    if (err instanceof PassFailed)
      deps.logger.warn({ mapping, code: err.failure.code }, err.message);
    else deps.logger.error({ err, mapping }, 'full synchronization line failed');
    deps.logger.info(
      { mapping, status: 'Failed', ms: Math.round(performance.now() - started) },
      'full synchronization line finished',
    );
    await transition(deps.db, mapping, 'Failed', (err as Error).message);
  } finally {
    clearInterval(beat);
    watch.dispose();
  }
  await advance(deps, boss);
}

/**
 * Runs the line's work under the mapping's lock — waiting while a scheduled or real-time run holds
 * it (new regular runs are held while the line is queued or running, see runMappingJob) — and runs
 * it again, from where it stopped, while a pass stops as a whole, after each of the waits of
 * `passRetryDelaysMs`. Answers every run. While it waits, the line's message says why and when it
 * runs again; a stop of the process, or of the line, ends the wait at once.
 */
async function runUntilDone(
  deps: FullSyncDeps,
  mapping: string,
  /** The line's: aborted by the process's stop or by a stop of the line. */
  signal: AbortSignal,
  work: () => Promise<LineRun>,
): Promise<LineRun[]> {
  const delays = deps.passRetryDelaysMs ?? PASS_RETRY_DELAYS_MS;
  const runs: LineRun[] = [];
  const wait = (ms: number) =>
    sleep(ms, undefined, { signal }).catch(() => signal.throwIfAborted());
  for (;;) {
    signal.throwIfAborted();
    const r = await withMappingLock(deps.db, mapping, work, { waitMs: 0 });
    if (!r.ok) {
      await wait(1000);
      await heartbeat(deps.db, mapping);
      continue;
    }
    runs.push(r.value);
    const stopped = r.value.reports.find((p) => p.status === 'failed');
    const again = runs.length;
    if (!stopped || again > delays.length) return runs;
    const waitMs = delays[again - 1]!;
    const now = (deps.clock ?? systemClock).now().getTime();
    const at = new Date(now + waitMs).toISOString().slice(11, 19);
    const why = `${stopped.direction} stopped: ${(stopped.message ?? '').replace(/\.+$/, '')}`;
    deps.logger.warn(
      { mapping, again, waitMs, reason: stopped.message },
      `full synchronization pass stopped; running again in ${Math.round(waitMs / 1000)} s`,
    );
    await saveRunningMessage(
      deps.db,
      mapping,
      `${why}. Running again at ${at} UTC (${again} of ${delays.length}).`,
    );
    await wait(waitMs);
    await saveRunningMessage(
      deps.db,
      mapping,
      `Running again (${again} of ${delays.length}) after ${why}.`,
    );
  }
}

/**
 * Why a line failed: the pass that stopped, in the words every part uses for a CRM that does not
 * answer (asked once more now: the pass names only the step that failed), and how often it ran.
 */
async function stoppedMessage(
  deps: FullSyncDeps,
  failed: PassReport,
  runs: readonly LineRun[],
): Promise<string> {
  const unreachable = await crmUnreachableNow(deps.db);
  const tried = runs.length > 1 ? ` (run ${runs.length} times)` : '';
  return unreachable
    ? `${failed.direction}: ${unreachable}${tried}. ${failed.message}`
    : `${failed.direction}: ${failed.message}${tried}`;
}

/** The line's work while holding the mapping's lock. */
async function runLocked(
  deps: FullSyncDeps,
  ctx: EngineContext,
  line: FullSyncLine,
): Promise<{
  reports: PassReport[];
  match?: UncoupledMatch;
  restored: number;
  /** What a part's own runner handled without running a job (records found done already). */
  counted?: Readonly<Record<string, number>>;
}> {
  const m = await getMapping(deps.db, line.mapping);
  if (!m) throw new Error(`The mapping ${line.mapping} no longer exists`);
  // A full synchronization synchronizes everything: its first run (a start, a restart) restores
  // the mapping's skipped records so they are tried again (skipped again when they fail the same
  // way). A run handed out again after its worker stopped leaves those skipped since alone.
  const restored = (await prepareWatermarks(deps.db, line.mapping))
    ? await restoreMappingSkipped(deps.db, line.mapping)
    : 0;
  if (restored > 0)
    deps.logger.info({ mapping: line.mapping, restored }, 'skipped records restored');
  // A mapping whose records a flow creates (posted invoices: name, customer, price list, lines) is
  // run by that flow; the generic engine would create them without what the CRM requires.
  const own = deps.fullSyncLines?.[line.mapping];
  if (own) {
    // A flow's own runner does not look at the signal: a stop ends the line once it is done.
    const r = await own(FULL_SYNC_TRIGGER);
    ctx.signal?.throwIfAborted();
    if (!r.jobId) {
      if (r.status === 'failed') throw new Error(r.message ?? `${line.mapping} failed`);
      return { reports: [], restored, counted: r.counters };
    }
    const counters = { ...emptyCounters(), ...r.counters };
    return {
      reports: [
        {
          jobId: r.jobId,
          direction: 'ToIntegrationTable',
          status: r.status,
          counters,
          ...(r.message ? { message: r.message } : {}),
        },
      ],
      restored,
    };
  }
  // Matching and the passes read the whole ERP table: on statistics from before a bulk load each
  // page was planned as a scan of every row left (line-statistics.ts).
  const analyzed = await freshenLineStatistics(deps.db, m);
  if (analyzed.length > 0)
    deps.logger.info({ mapping: line.mapping, tables: analyzed }, 'ERP statistics refreshed');
  let match: UncoupledMatch | undefined;
  const reports: PassReport[] = [];
  // Option mappings match their values on the label in the option pass itself. Records on both
  // sides are coupled by matching first whatever the line recommends: after a move to another
  // organization a *Full synchronization* line (SALESPEOPLE always, CURRENCY with only the base
  // currency in the CRM) meets records that exist on both sides, which it must not duplicate.
  // Without match fields only a *Couple records* line needs matching (it refuses then).
  const matches =
    !m.isOptionMapping &&
    (line.recommendation === 'CoupleRecords' ||
      (line.recommendation === 'FullSynchronization' && matchCriteria(m).length > 0));
  if (matches) {
    ctx.signal?.throwIfAborted();
    match = await whileMatching(deps.db, line.mapping, () =>
      matchUncoupledRecords(ctx, m, FULL_SYNC_TRIGGER),
    );
    await saveMatch(deps.db, line.mapping, match);
    ctx.signal?.throwIfAborted();
    reports.push(...(await syncNeverSynchronized(ctx, m, FULL_SYNC_TRIGGER)));
  }
  reports.push(
    ...(await runMapping(
      match ? withoutRecords(ctx, { erpIds: match.heldErpIds, crmIds: match.heldCrmIds }) : ctx,
      m,
      { trigger: FULL_SYNC_TRIGGER, ignoreOnlyCoupled: true },
    )),
  );
  return { reports, restored, ...(match ? { match } : {}) };
}

/** The workers' handler of full synchronization lines. */
export function fullSyncJob(deps: FullSyncDeps, boss: PgBoss | undefined): JobDefinition {
  return {
    queue: FULL_SYNC_QUEUE,
    policy: 'standard',
    // A line a shutdown handed back (the handler rethrows) goes at once to a worker running now or
    // to the next start's, not 30 s later; the stopping process fetches nothing more.
    retryLimit: 2,
    retryDelaySeconds: 1,
    expireInSeconds: 4 * 60 * 60,
    // Someone follows a started or restarted line (the review page, `kobling sync full`): a free
    // worker takes it within half a second (pg-boss's shortest), not the default 2 s. The few
    // extra polls of an idle queue are cheap.
    pollingIntervalSeconds: 0.5,
    handler: async (data) => {
      if (boss) await runFullSyncLine(deps, boss, (data as { mapping: string }).mapping);
    },
  };
}
