import { causedByShutdown } from '../../shared/stopping.ts';
import { countersText } from '../counters-text.ts';
import { PassFailed } from '../errors.ts';
import {
  COUNTER_COLUMNS,
  type JobCounters,
  mappingCovers,
  type PassDirection,
  type TableMapping,
} from '../model.ts';
import type { EngineContext, RunOptions } from './context.ts';
import { beginJob, closeCutJob, countHeld, countWrittenBack, finishJob } from './job-log.ts';
import { runOptionPass } from './option-pass.ts';
import { runToCrmPass } from './to-crm-pass.ts';
import { runToErpPass } from './to-erp-pass.ts';

export interface PassReport {
  readonly jobId: string;
  readonly direction: PassDirection;
  readonly status: 'succeeded' | 'failed';
  readonly counters: JobCounters;
  readonly message?: string;
}

/**
 * Runs a mapping as BC runs one (docs/sync-engine.md): the ERP → CRM pass first, then CRM → ERP, each as its own job
 * with counters. `only` restricts the run to one direction (Synchronize now: send / get).
 */
export async function runMapping(
  ctx: EngineContext,
  m: TableMapping,
  opts: RunOptions & { only?: PassDirection } = {},
): Promise<PassReport[]> {
  const passes: PassDirection[] = (['ToIntegrationTable', 'FromIntegrationTable'] as const).filter(
    (p) => mappingCovers(m.direction, p) && (!opts.only || opts.only === p),
  );
  const reports: PassReport[] = [];
  for (const pass of passes) {
    // A pass does not begin once the run's signal is aborted (the process stopping, a line
    // stopped by hand): one begun after it ran on, since a pass looks at the signal only between
    // its chunks, and recorded a cut run as succeeded (a CRM → ERP pass that read only echoes:
    // "nothing to do").
    ctx.signal?.throwIfAborted();
    const trigger = opts.trigger ?? 'schedule';
    const jobId = await beginJob(ctx.db, m.name, pass, trigger);
    const started = performance.now();
    try {
      const counters = m.isOptionMapping
        ? await runOptionPass(ctx, m, jobId, opts)
        : pass === 'ToIntegrationTable'
          ? await runToCrmPass(ctx, m, jobId, opts)
          : await runToErpPass(ctx, m, jobId, opts);
      const ask = m.updateConflict === 'ask';
      const back = ask ? await countWrittenBack(ctx.db, jobId, pass) : 0;
      const held = ask ? await countHeld(ctx.db, jobId) : 0;
      const message = summary(counters, back, pass, held);
      await finishJob(ctx.db, jobId, counters, { status: 'succeeded', message });
      logJobFinished(ctx, { jobId, mapping: m.name, pass, trigger, started, counters });
      reports.push({ jobId, direction: pass, status: 'succeeded', counters, message });
    } catch (err) {
      if (causedByShutdown(err) || endedBySignal(ctx, err)) {
        await stoppedByShutdown(ctx, jobId, { mapping: m.name, pass, trigger, started }, err);
        throw err;
      }
      const message = (err as Error).message;
      // A pass that stops for a known reason (the CRM cannot be read, …) is the job's outcome; anything
      // else is a bug, with its stack in the log.
      if (err instanceof PassFailed)
        ctx.logger.warn({ mapping: m.name, pass, code: err.failure.code }, message);
      else ctx.logger.error({ err, mapping: m.name, pass }, 'synchronization pass failed');
      const counters = await countersOf(ctx, jobId);
      await finishJob(ctx.db, jobId, counters, { status: 'failed', message });
      ctx.logger.info(
        {
          jobId,
          mapping: m.name,
          direction: pass,
          trigger,
          status: 'failed',
          counters,
          ms: elapsed(started),
        },
        'synchronization job finished',
      );
      reports.push({ jobId, direction: pass, status: 'failed', counters, message });
    }
  }
  return reports;
}

const elapsed = (started: number): number => Math.round(performance.now() - started);

/**
 * Whether the run's signal ended the pass with its reason: not only the process's stop — a full
 * synchronization line stopped by hand aborts its own signal (its reason says who stopped it).
 */
const endedBySignal = (ctx: EngineContext, err: unknown): boolean =>
  ctx.signal?.aborted === true && err === ctx.signal.reason;

/**
 * A pass the process's stop (or its run's signal) ended: its job is failed as "Stopped by
 * shutdown" — or the signal's reason, "Stopped by admin" — (the records it wrote stay booked, its
 * watermark where they end) and the error goes on to the caller, so the queue runs it again
 * rather than the run going on with its next pass. Not an error in the log.
 */
async function stoppedByShutdown(
  ctx: EngineContext,
  jobId: string,
  j: { mapping: string; pass: PassDirection; trigger: string; started: number },
  err: unknown,
): Promise<void> {
  const line = { jobId, mapping: j.mapping, direction: j.pass, trigger: j.trigger };
  const message = causedByShutdown(err) ? 'Stopped by shutdown' : (err as Error).message;
  ctx.logger.warn(
    { ...line, ms: elapsed(j.started) },
    causedByShutdown(err)
      ? 'synchronization pass stopped by shutdown'
      : `synchronization pass stopped: ${message}`,
  );
  await closeCutJob(ctx.db, ctx.logger, line, () => countersOf(ctx, jobId), message);
}

/**
 * One line per finished job (docs/realtime-and-operations.md). A run that found nothing to do goes
 * at debug: the real-time path wakes for every change, and most wake-ups touch no record.
 */
function logJobFinished(
  ctx: EngineContext,
  j: {
    jobId: string;
    mapping: string;
    pass: PassDirection;
    trigger: string;
    started: number;
    counters: JobCounters;
  },
): void {
  const busy = Object.values(j.counters).some((n) => n > 0);
  const line = {
    jobId: j.jobId,
    mapping: j.mapping,
    direction: j.pass,
    trigger: j.trigger,
    status: 'succeeded',
    counters: j.counters,
    ms: elapsed(j.started),
  };
  if (busy) ctx.logger.info(line, 'synchronization job finished');
  else ctx.logger.debug(line, 'synchronization job finished');
}

async function countersOf(ctx: EngineContext, jobId: string): Promise<JobCounters> {
  const r = await ctx.db.query<JobCounters>(
    `SELECT ${COUNTER_COLUMNS} FROM integration.sync_jobs WHERE id = $1`,
    [jobId],
  );
  return r.rows[0]!;
}

/**
 * The counters in a line, e.g. "1 modified"; with the records written back to the source side
 * (policy `ask`: fields only the destination changed), e.g. "1 modified; 1 written back to the
 * ERP" — each such record is also in a counter (it counts once), the line says where it was written;
 * and the records whose fields it held in the conflict inbox, e.g. "5 unchanged; 5 held in the
 * conflict inbox" (no silent "unchanged" for a record that changed on both sides).
 */
const summary = (
  c: JobCounters,
  writtenBack: number,
  pass: PassDirection,
  held: number,
): string => {
  const counts = countersText(c) || 'nothing to do';
  const back =
    writtenBack > 0
      ? `; ${writtenBack} written back to the ${pass === 'ToIntegrationTable' ? 'ERP' : 'CRM'}`
      : '';
  return `${counts}${back}${held > 0 ? `; ${held} held in the conflict inbox` : ''}`;
};
