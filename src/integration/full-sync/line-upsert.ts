import type { Queryable } from '../../db/db.ts';
import type { FullSyncLine } from './full-sync-lines.ts';

// Writing the review's lines from the mappings' counts (full-sync-service.ts).

/** Drops the lines of mappings that no longer get one (removed, or reshaped), unless at work. */
export async function removeLinesExcept(db: Queryable, mappings: readonly string[]): Promise<void> {
  await db.query(
    `DELETE FROM integration.full_sync_lines
      WHERE NOT (mapping_name = ANY($1::text[])) AND status NOT IN ('Queued', 'Running')`,
    [mappings],
  );
}

/**
 * A line that has not run: a stopped line restarted (pending again, its watermarks prepared)
 * continues its run as it began, whatever the records it created make the counts recommend now.
 */
const NOT_RUN = "l.status IN ('Pending', 'NotNeeded') AND l.prepared_at IS NULL";

/** What a count refreshes of a line that is not queued or running (`upsertLine`). */
const REFRESH = `position = $2, erp_count = $6, crm_count = $7, crm_coupled = $8,
       dependency_filter = CASE WHEN ${NOT_RUN} THEN $3 ELSE l.dependency_filter END,
       direction = CASE WHEN ${NOT_RUN} THEN $4 ELSE l.direction END,
       recommendation = CASE WHEN ${NOT_RUN} THEN $5 ELSE l.recommendation END`;

/**
 * Writes a line, or refreshes one that is not queued or running: its counts always (what the review
 * shows is today's); its recommendation, direction and parents only while it has not run (`NOT_RUN`).
 * `recounted`: a recount's write, whose counts took a while — lines dropped meanwhile (an
 * organization set aside) must not come back as `Pending`, which the scheduler's tick would start.
 * A line stored when the recount began (`stored`) is only updated; one a mapping got since the
 * lines were written (`missing`) is added only while the review still has lines.
 */
export async function upsertLine(
  db: Queryable,
  l: Pick<
    FullSyncLine,
    | 'mapping'
    | 'position'
    | 'dependencyFilter'
    | 'direction'
    | 'recommendation'
    | 'erpCount'
    | 'crmCount'
    | 'crmCoupled'
  >,
  opts: { recounted?: 'stored' | 'missing' } = {},
): Promise<void> {
  const values = [
    l.mapping,
    l.position,
    l.dependencyFilter,
    l.direction,
    l.recommendation,
    l.erpCount,
    l.crmCount,
    l.crmCoupled,
  ];
  if (opts.recounted === 'stored') {
    await db.query(
      `UPDATE integration.full_sync_lines l SET ${REFRESH}
        WHERE l.mapping_name = $1 AND l.status NOT IN ('Queued', 'Running')`,
      values,
    );
    return;
  }
  await db.query(
    `INSERT INTO integration.full_sync_lines AS l
       (mapping_name, position, dependency_filter, direction, recommendation, erp_count, crm_count, crm_coupled)
     SELECT $1::text, $2::integer, $3::text, $4::text, $5::text, $6::bigint, $7::bigint, $8::bigint
      WHERE NOT $9::boolean OR EXISTS (SELECT 1 FROM integration.full_sync_lines)
     ON CONFLICT (mapping_name) DO UPDATE SET ${REFRESH}
     WHERE l.status NOT IN ('Queued', 'Running')`,
    [...values, opts.recounted === 'missing'],
  );
}
