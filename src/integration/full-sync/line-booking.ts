import type { Queryable } from '../../db/db.ts';

/** A running line's progress as its run last reported it (the line's own count, all runs). */
export interface LineRunProgress {
  readonly done: number;
  readonly total: number | undefined;
  readonly counters: Record<string, number>;
}

/**
 * Books on a running line what a run that did not reach its end did — a stop by hand, the
 * process's stop: its progress as the run left it (what it wrote stays written and coupled;
 * `progress` undefined: the run reported none, the line keeps what it had) and the jobs its runs
 * wrote since `since`. Answers the line's progress then, or undefined when it is not running (any
 * more): the caller then leaves its status alone.
 */
export async function bookCutRun(
  db: Queryable,
  mapping: string,
  o: { since: Date; progress?: LineRunProgress | undefined },
): Promise<{ done: number; total: number | null; counters: Record<string, number> } | undefined> {
  const r = await db.query<{
    done: string;
    total: string | null;
    counters: Record<string, number>;
  }>(
    `UPDATE integration.full_sync_lines l
        SET done = coalesce($2, l.done), total = CASE WHEN $2::bigint IS NULL THEN l.total ELSE $3 END,
            counters = coalesce($4::jsonb, l.counters),
            job_ids = l.job_ids || ARRAY(
              SELECT j.id FROM integration.sync_jobs j
               WHERE j.mapping_name = l.mapping_name AND j.trigger = 'fullSynchronization'
                 AND j.started_at >= $5 AND NOT j.id = ANY(l.job_ids) ORDER BY j.started_at)
      WHERE l.mapping_name = $1 AND l.status = 'Running'
      RETURNING l.done, l.total, l.counters`,
    [
      mapping,
      o.progress?.done ?? null,
      o.progress?.total ?? null,
      o.progress ? JSON.stringify(o.progress.counters) : null,
      o.since,
    ],
  );
  const line = r.rows[0];
  return (
    line && {
      done: Number(line.done),
      total: line.total === null ? null : Number(line.total),
      counters: line.counters,
    }
  );
}
