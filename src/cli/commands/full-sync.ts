import type { PgBoss } from '../../db/job-queue.ts';
import { workerSeen } from '../../db/system-jobs.ts';
import { expectedTotal } from '../../integration/full-sync/full-sync-lines.ts';
import type { ReviewLine } from '../../integration/full-sync/full-sync-service.ts';
import {
  restartFailedLines,
  restartLine,
  reviewLines,
  startFullSync,
} from '../../integration/full-sync/full-sync-service.ts';
import {
  DONE_STATUSES,
  type ReviewStatus,
  shellName,
} from '../../integration/full-sync/line-status.ts';
import { answeredLine } from '../../integration/full-sync/review-messages.ts';
import { silenceNote, silentFor } from '../../integration/full-sync/worker-reports.ts';
import type { SyncDeps } from '../../integration/sync-runtime.ts';
import type { Clock } from '../../shared/clock.ts';
import { isDatabaseUnavailable } from '../../shared/database-errors.ts';
import { AppError } from '../../shared/errors.ts';
import { agree, plural } from '../../shared/plural.ts';
import { shortCounters } from '../../sync/counters-text.ts';
import { listMappings } from '../../sync/mappings/mapping-repo.ts';
import { type CliEnv, printResult } from '../cli-context.ts';
import { untilInterrupted } from '../interrupt.ts';
import { openJobQueue } from '../job-queue.ts';
import type { Runtime } from '../runtime.ts';
import { redraws } from '../terminal.ts';
import { lineDrawer } from './full-sync-draw.ts';
import { paceTracker } from './full-sync-rate.ts';
import {
  failedWords,
  finishedSummary,
  idleSummary,
  restartOutcome,
  stoppedSummary,
} from './full-sync-summary.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ACTIVE = new Set(['Queued', 'Running']);
/** How long queued lines wait with nothing running before the CLI asks whether a worker runs. */
const WORKER_HINT_AFTER_MS = 30_000;
const WORKER_HINT =
  'No worker has taken a line in 30 s: is `kobling start` (without --no-workers) or `kobling worker` running on this database? The lines stay queued and start as soon as one does.';

const LOST =
  'Lost the connection to the database while following the full synchronization; the lines go on when Kobling runs again: run `kobling sync full` to follow them';

/**
 * What Ctrl+C (or SIGTERM) while following says: it stops the following, not the lines. When the
 * last look found queued lines and no worker seen lately, they wait for one to run.
 */
export const stoppedFollowing = (noWorker: boolean): string =>
  `Stopped following the full synchronization; the lines go on ${
    noWorker ? 'when a worker runs (`kobling start` or `kobling worker`)' : 'on the workers'
  }: run \`kobling sync full\` to follow them`;

/**
 * A line as the CLI prints it, without trailing spaces. A queued line says it waits for a worker
 * only when none has been seen lately (`workerSeen`): with workers running, for a free one. A
 * running line whose worker has not reported for a while says so instead of a rate and time left
 * that no longer move (`silenceNote`); otherwise its note, if it has one (matching, a pass run
 * again). `perSecond`: the line's rate now, from the looks the
 * command took at it (`paceTracker`); without one, no rate and no time left.
 */
export function bar(l: ReviewLine, now: number, workerSeen = false, perSecond?: number): string {
  const c = l.counters;
  const total = expectedTotal(l) ?? 0;
  const share = DONE_STATUSES.has(l.status) ? 1 : total > 0 ? Math.min(1, l.done / total) : 0;
  const filled = Math.round(share * 20);
  const silence = silenceNote(l, now, workerSeen);
  const rate = l.status === 'Running' && !silence ? (perSecond ?? 0) : 0;
  const eta = rate > 0 && total > l.done ? `${Math.round((total - l.done) / rate)} s left` : '';
  const outcome =
    l.status === 'Failed' || l.status === 'Stopped'
      ? ` · ${l.message ?? ''}`
      : l.status === 'FinishedWithErrors'
        ? ` · ${failedWords(l)}`
        : silence
          ? ` · ${silence}`
          : l.status === 'Running' && l.message
            ? ` · ${l.message}`
            : '';
  const detail =
    l.status === 'Pending' && l.waitingFor.length > 0
      ? `waiting for ${l.waitingFor.join(', ')}`
      : l.status === 'Queued'
        ? queuedDetail(l, workerSeen)
        : COUNTED.has(l.status)
          ? `${l.done}/${total} · ${shortCounters(c)}${c.unchanged ? ` · ${c.unchanged} unchanged` : ''}${l.matched ? ` · ${l.matched} matched` : ''}${l.ambiguous ? ` · ${l.ambiguous} ambiguous` : ''}${rate ? ` · ${Math.round(rate)}/s` : ''}${eta ? ` · ${eta}` : ''}${outcome}`
          : (l.message ?? '');
  const line = `${l.mapping.padEnd(20)} ${l.status.padEnd(STATUS_WIDTH)} [${'#'.repeat(filled)}${'.'.repeat(20 - filled)}]`;
  return detail ? `${line} ${detail}` : line;
}

/**
 * What a queued line waits for: a worker when none has been seen lately, else its turn (every
 * worker busy with other lines, or about to poll); a line put back by a shutdown says so instead.
 */
const queuedDetail = (l: ReviewLine, workerSeen: boolean): string =>
  [
    ...(workerSeen ? [] : ['waiting for a worker']),
    ...(l.message ? [l.message] : workerSeen ? ['waiting for a free worker'] : []),
  ].join(' · ');

/** Lines whose bar shows their records and counters. */
const COUNTED = new Set(['Running', 'Finished', 'FinishedWithErrors', 'Failed', 'Stopped']);

/**
 * The status column's width: the longest status's. Off a terminal lines are written as they
 * change, a Queued one long before a FinishedWithErrors one; one width keeps every bar aligned.
 */
export const STATUS_WIDTH = Math.max(
  ...Object.keys({
    Pending: 0,
    Queued: 0,
    Running: 0,
    Finished: 0,
    FinishedWithErrors: 0,
    Failed: 0,
    NotNeeded: 0,
    NotStarted: 0,
    Stopped: 0,
  } satisfies Record<ReviewStatus, 0>).map((s) => s.length),
);

/** Nothing queued or running, and no pending line free to start: what the workers can do is done. */
const settled = (lines: readonly ReviewLine[]) =>
  !lines.some((l) => ACTIVE.has(l.status) || (l.status === 'Pending' && l.waitingFor.length === 0));

/** A line failed or was stopped, or waits for such a parent: the full synchronization stopped short. */
const stopped = (lines: readonly ReviewLine[]) =>
  lines.some((l) => l.status === 'Failed' || l.status === 'Stopped' || l.status === 'Pending');

/**
 * A failed line, or a line with failed records, fails the command: exit 1 through the CLI's one
 * error path (src/cli/main.ts).
 */
function failIfFailed(lines: readonly ReviewLine[]): void {
  const halted = lines.filter((l) => l.status === 'Stopped').map((l) => l.mapping);
  if (halted.length > 0 && !lines.some((l) => l.status === 'Failed'))
    throw new AppError(
      'full_sync_stopped',
      `${plural(halted.length, 'line')} of the full synchronization ${agree(halted.length, 'was', 'were')} stopped: ${halted.join(', ')}; \`kobling sync full --restart ${halted.length === 1 ? shellName(halted[0]!) : 'MAPPING'}\` continues ${agree(halted.length, 'it', 'each')} where it stopped`,
    );
  const failed = lines.filter((l) => l.status === 'Failed').map((l) => l.mapping);
  const withErrors = lines.filter((l) => l.status === 'FinishedWithErrors');
  const records = withErrors.reduce((n, l) => n + (l.counters.failed ?? 0), 0);
  const skipped = withErrors.reduce((n, l) => n + (l.skippedRecords ?? 0), 0);
  if (failed.length === 0 && withErrors.length === 0) return;
  throw new AppError(
    'full_sync_failed',
    [
      ...(failed.length > 0
        ? [
            `${plural(failed.length, 'line')} of the full synchronization failed: ${failed.join(', ')}`,
          ]
        : []),
      ...(withErrors.length > 0
        ? [
            `${plural(records, 'record')} failed${skipped > 0 ? ` and ${skipped} ${agree(skipped, 'is', 'are')} skipped after failing` : ''} in ${plural(withErrors.length, 'line')} that finished: ${withErrors.map((l) => l.mapping).join(', ')}`,
          ]
        : []),
    ].join('; '),
  );
}

/** *Start*, *Restart* of a line or of every failed line: what was queued and what to say. */
async function begin(
  deps: SyncDeps,
  boss: PgBoss,
  opts: { restart?: string; restartFailed?: boolean },
): Promise<{ queued: readonly string[]; message: string; restarted?: readonly string[] }> {
  if (opts.restartFailed) {
    const r = await restartFailedLines(deps, boss);
    if (!r.ok) throw AppError.from(r.error);
    return r.value;
  }
  if (opts.restart) {
    // A failed (or finished) line back to work with its failed dependents, then followed like a
    // start.
    const r = await restartLine(deps, boss, opts.restart);
    if (!r.ok) throw AppError.from(r.error);
    return { ...r.value, restarted: [r.value.line.mapping, ...r.value.dependents] };
  }
  const r = await startFullSync(deps, boss);
  if (!r.ok) throw AppError.from(r.error);
  return r.value;
}

/**
 * `kobling sync full`: starts the full synchronization (the workers run its lines) and follows it
 * with a progress bar per line until every line has finished, failed or waits on a failed parent.
 * Exits 1 when a line failed or records failed in a line that finished; after a restart, only
 * when one of the lines it ran did (or a failed line holds them: `restartOutcome`).
 */
export async function runFullSyncCommand(
  cli: CliEnv,
  rt: Runtime,
  opts: { json?: boolean; restart?: string; restartFailed?: boolean },
): Promise<void> {
  const { ctx } = rt;
  const deps = { db: ctx.db, config: ctx.config, logger: ctx.logger };
  const boss = await openJobQueue(ctx);
  let began: Awaited<ReturnType<typeof begin>>;
  try {
    began = await begin(deps, boss, opts);
  } finally {
    // The command only hands lines to the queue; following reads the lines. Closed now, the
    // queue's own polling cannot report a database that stops meanwhile as error lines.
    await boss.stop({ graceful: false, wait: true });
  }
  try {
    const first = await reviewLines(deps);
    const restarting = Boolean(opts.restart || opts.restartFailed);
    if (began.queued.length === 0 && settled(first)) {
      // Nothing started and nothing at work: one table and one summary of how things stand (a
      // plain start's own message would only say it twice).
      // With --json the lines' JSON alone on stdout, and the start's (or restart's) answer on
      // stderr for a person: the JSON has no place for it.
      if (opts.json) process.stderr.write(`${began.message}\n`);
      else {
        if (restarting) process.stderr.write(`${began.message}\n`);
        const now = ctx.clock.now().getTime();
        for (const l of first) process.stderr.write(`${bar(l, now, false)}\n`);
      }
      const off = await mappingsWithJobOff(deps.db);
      const ours = began.restarted ? restartOutcome(first, began.restarted) : first;
      // The JSON is the API's lines (GET …/fullSync `value`): with `expectedTotal`.
      printResult(cli, opts.json, first.map(answeredLine), (ls) =>
        began.restarted && !stopped(ours)
          ? finishedSummary(ls, off, began.restarted)
          : idleSummary(ours, off),
      );
      failIfFailed(ours);
      return;
    }
    // stderr even with --json: stdout keeps the lines' JSON, a person still reads what started.
    process.stderr.write(`${began.message}\n`);
    // Ctrl+C stops the following only: the lines are the workers'.
    const seen = { noWorker: false };
    await untilInterrupted(
      (stopped) => follow(cli, deps, ctx.clock, opts.json, began.restarted, { stopped, seen }),
      () => stoppedFollowing(seen.noWorker),
    );
  } catch (err) {
    // The server and its PostgreSQL stopped (or the network went): the lines are safe in the
    // database and the workers take them up again when it is back.
    if (isDatabaseUnavailable(err))
      throw new AppError('database_unavailable', LOST, { cause: err });
    throw err;
  }
}

/** Mappings whose recurring job is off: nothing retries their failed records by itself. */
const mappingsWithJobOff = async (db: SyncDeps['db']): Promise<Set<string>> =>
  new Set((await listMappings(db)).filter((m) => !m.jobEnabled).map((m) => m.name));

/** Follows the lines until they settle, prints them and the outcome; throws when a line failed. */
async function follow(
  cli: CliEnv,
  deps: SyncDeps,
  clock: Clock,
  json: boolean | undefined,
  /** After a restart, the lines it restarted: the summary is of what it ran. */
  restarted: readonly string[] | undefined,
  /** `stopped`: interrupted, write nothing more; `seen`: what the last look found, for its words. */
  watch: { stopped: () => boolean; seen: { noWorker: boolean } },
): Promise<void> {
  let warned = false;
  let seen = '';
  let unchangedSince = clock.now().getTime();
  // Redrawn in place only on a terminal; piped or redirected output gets plain lines, no cursor
  // codes: the lines at the start, then a line when one changes status or every 10 s as it runs.
  const pace = paceTracker();
  const draw = lineDrawer(
    {
      live: redraws(process.stderr, cli.env) && Boolean(process.stdout.isTTY),
      write: (text) => void process.stderr.write(text),
    },
    (l, now, workers) => bar(l, now, workers, pace.rate(l.mapping)),
  );
  while (!watch.stopped()) {
    const lines = await reviewLines(deps);
    const now = clock.now().getTime();
    // Every look counts for the rate, also those not written off a terminal (one every 10 s).
    pace.observe(lines, now);
    // Asked only when a line's words depend on it: a queued one, or one whose worker went silent.
    const workers =
      lines.some((l) => l.status === 'Queued' || silentFor(l, now) !== undefined) &&
      (await workerSeen(deps.db));
    if (watch.stopped()) return;
    watch.seen.noWorker = lines.some((l) => l.status === 'Queued') && !workers;
    const state = lines.map((l) => `${l.status}:${l.done}`).join();
    if (state !== seen) {
      seen = state;
      unchangedSince = now;
    }
    // Queued lines and nothing running or moving for a while: most likely no worker runs at all.
    const hint =
      !warned &&
      now - unchangedSince >= WORKER_HINT_AFTER_MS &&
      lines.some((l) => l.status === 'Queued') &&
      !lines.some((l) => l.status === 'Running');
    if (settled(lines)) {
      const off = await mappingsWithJobOff(deps.db);
      if (watch.stopped()) return;
      if (!json) draw.final(lines, now);
      // After a restart, its outcome is that of the lines it ran (and what holds them), not of a
      // line that failed apart from them.
      const ours = restarted ? restartOutcome(lines, restarted) : lines;
      printResult(cli, json, lines.map(answeredLine), (ls) =>
        stopped(ours) ? stoppedSummary(ours, off) : finishedSummary(ls, off, restarted),
      );
      failIfFailed(ours);
      return;
    }
    if (!json) draw.progress(lines, now, workers, hint ? WORKER_HINT : undefined);
    else if (hint) process.stderr.write(`${WORKER_HINT}\n`);
    if (hint) warned = true;
    await sleep(1000);
  }
}
