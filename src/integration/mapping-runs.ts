import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/db.ts';
import { coerceError } from '../shared/errors.ts';
import { causedByShutdown, trackInFlight } from '../shared/stopping.ts';
import { listMappings } from '../sync/mappings/mapping-repo.ts';
import { LOCK_WAIT } from './mapping-lock.ts';
import { runMappingJob } from './sync-jobs.ts';
import type { SyncDeps } from './sync-runtime.ts';

/** One mapping's line of a run of several mappings. */
export interface RunLine {
  readonly mapping: string;
  state: 'waiting' | 'running' | 'done' | 'failed';
  message?: string;
}

/** Several mappings synchronized one after another in the background of this process. */
export interface MappingRun {
  readonly id: string;
  readonly startedAt: Date;
  readonly full: boolean;
  readonly lines: RunLine[];
  finished: boolean;
}

const runs = new Map<string, MappingRun>();

/**
 * Synchronizes the mappings one after another, in the order of the mapping list (the default set
 * is listed in dependency order: salespeople and currencies before customers, units before
 * products …), in the background. With `full`, every record in the filters is synchronized, not
 * only coupled ones. Each mapping runs under its lock like a scheduled run. Follow it with
 * `mappingRun(id)` and `runCounters`.
 */
export async function startMappingRun(
  deps: SyncDeps,
  names: readonly string[],
  options: { full: boolean; trigger: string; now: Date },
): Promise<MappingRun> {
  const order = (await listMappings(deps.db)).map((m) => m.name).filter((n) => names.includes(n));
  const run: MappingRun = {
    id: randomUUID(),
    startedAt: options.now,
    full: options.full,
    lines: order.map((mapping) => ({ mapping, state: 'waiting' })),
    finished: false,
  };
  runs.set(run.id, run);
  // Tracked: the orderly stop lets it finish (or aborts it) before the database pool closes.
  void trackInFlight(
    (async () => {
      for (const line of run.lines) {
        line.state = 'running';
        try {
          const r = await runMappingJob(
            deps,
            { mapping: line.mapping, trigger: options.trigger, full: options.full },
            {},
            { waitMs: LOCK_WAIT.background },
          );
          line.state = r.ran ? 'done' : 'failed';
          if (!r.ran) line.message = `Not run: ${r.reason}`;
        } catch (err) {
          line.state = 'failed';
          line.message = coerceError(err).message;
          if (causedByShutdown(err)) {
            deps.logger.warn({ mapping: line.mapping }, 'mapping run stopped by shutdown');
            break;
          }
          deps.logger.error({ err, mapping: line.mapping }, 'mapping run failed');
        }
      }
      run.finished = true;
    })(),
  );
  return run;
}

/** A run started in this process, if known. */
export const mappingRun = (id: string): MappingRun | undefined => runs.get(id);

/** Counters of the jobs a run's mappings wrote since it started, per mapping. */
export async function runCounters(
  db: Queryable,
  run: MappingRun,
): Promise<
  Map<string, { processed: number; failed: number; status: string; message: string | null }>
> {
  const r = await db.query<{
    mapping_name: string;
    processed: number;
    failed: number;
    status: string;
    message: string | null;
  }>(
    `SELECT mapping_name,
       sum(inserted + modified + unchanged + skipped + deleted + coupled)::int AS processed,
       sum(failed)::int AS failed,
       CASE WHEN bool_or(status = 'failed') THEN 'failed' WHEN bool_or(status = 'running') THEN 'running' ELSE 'succeeded' END AS status,
       string_agg(DISTINCT message, '; ') AS message
     FROM integration.sync_jobs WHERE mapping_name = ANY($1::text[]) AND started_at >= $2
     GROUP BY mapping_name`,
    [run.lines.map((l) => l.mapping), run.startedAt],
  );
  return new Map(r.rows.map((row) => [row.mapping_name, row]));
}
