import type { Queryable } from '../db/db.ts';
import { listMappings } from '../sync/mappings/mapping-repo.ts';

/** One mapping's scheduled job as the connection setup shows it. */
export interface ScheduledJob {
  readonly mapping: string;
  readonly enabled: boolean;
  readonly intervalMinutes: number;
  readonly lastRunAt: Date | null;
  /** When the scheduler (every minute) will queue it next; null when it is off. */
  readonly nextRunAt: Date | null;
  readonly lastStatus: string | null;
  /** The message of the last run when it failed. */
  readonly lastError: string | null;
}

/** Every mapping's job: on/off, interval, last and next run, last error. */
export async function listScheduledJobs(db: Queryable, now: Date): Promise<ScheduledJob[]> {
  const last = await db.query<{
    mapping_name: string;
    started_at: Date;
    status: string;
    message: string | null;
  }>(
    `SELECT DISTINCT ON (mapping_name) mapping_name, started_at, status, message
     FROM integration.sync_jobs ORDER BY mapping_name, started_at DESC`,
  );
  const byMapping = new Map(last.rows.map((r) => [r.mapping_name, r]));
  return (await listMappings(db)).map((m) => {
    const l = byMapping.get(m.name);
    const lastRunAt = l ? new Date(l.started_at) : null;
    const due = lastRunAt ? new Date(lastRunAt.getTime() + m.jobIntervalMinutes * 60_000) : now;
    return {
      mapping: m.name,
      enabled: m.jobEnabled,
      intervalMinutes: m.jobIntervalMinutes,
      lastRunAt,
      nextRunAt: m.jobEnabled ? (due < now ? now : due) : null,
      lastStatus: l?.status ?? null,
      lastError: l?.status === 'failed' ? l.message : null,
    };
  });
}
