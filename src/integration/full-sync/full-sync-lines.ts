import type { Queryable } from '../../db/db.ts';
import { AppError } from '../../shared/errors.ts';
import { COUNTER_NAMES, emptyCounters, type JobCounters } from '../../sync/model.ts';
import { DONE_STATUSES, type LineStatus, type ReviewStatus } from './line-status.ts';
import type { Recommendation } from './recommendation.ts';

export type { LineStatus } from './line-status.ts';

/** One line of the full synchronization review. */
export interface FullSyncLine {
  readonly mapping: string;
  readonly position: number;
  readonly dependencyFilter: string;
  readonly direction: string;
  readonly recommendation: Recommendation;
  readonly erpCount: number | null;
  readonly crmCount: number | null;
  /** The mapping's couplings when both sides were counted (null: not counted since sync 042). */
  readonly crmCoupled: number | null;
  readonly status: LineStatus;
  readonly message: string | null;
  readonly done: number;
  readonly total: number | null;
  readonly counters: Record<string, number>;
  readonly jobIds: readonly string[];
  readonly attempts: number;
  readonly queuedAt: string | null;
  readonly startedAt: string | null;
  readonly heartbeatAt: string | null;
  readonly finishedAt: string | null;
  /** Records coupled by matching before the line's synchronization (null: no matching). */
  readonly matched: number | null;
  /** ERP records matching left uncoupled: several records could be their match. */
  readonly ambiguous: number | null;
  /** The mapping's records skipped after failing when the line ended (null: not ended since). */
  readonly skippedRecords: number | null;
  /** When someone asked a running line to stop, and who (`kobling sync full --stop`, the API, …). */
  readonly stopRequestedAt: string | null;
  readonly stopRequestedBy: string | null;
}

interface Row {
  mapping_name: string;
  position: number;
  dependency_filter: string;
  direction: string;
  recommendation: Recommendation;
  erp_count: string | null;
  crm_count: string | null;
  crm_coupled: string | null;
  status: LineStatus;
  message: string | null;
  done: string;
  total: string | null;
  counters: Record<string, number>;
  job_ids: string[];
  attempts: number;
  queued_at: Date | null;
  started_at: Date | null;
  heartbeat_at: Date | null;
  finished_at: Date | null;
  matched: number | null;
  ambiguous: number | null;
  skipped_records: number | null;
  stop_requested_at: Date | null;
  stop_requested_by: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const num = (v: string | null) => (v === null ? null : Number(v));

const toLine = (r: Row): FullSyncLine => ({
  mapping: r.mapping_name,
  position: r.position,
  dependencyFilter: r.dependency_filter,
  direction: r.direction,
  recommendation: r.recommendation,
  erpCount: num(r.erp_count),
  crmCount: num(r.crm_count),
  crmCoupled: num(r.crm_coupled),
  status: r.status,
  message: r.message,
  done: Number(r.done),
  total: num(r.total),
  counters: r.counters,
  jobIds: r.job_ids,
  attempts: r.attempts,
  queuedAt: iso(r.queued_at),
  startedAt: iso(r.started_at),
  heartbeatAt: iso(r.heartbeat_at),
  finishedAt: iso(r.finished_at),
  matched: r.matched,
  ambiguous: r.ambiguous,
  skippedRecords: r.skipped_records,
  stopRequestedAt: iso(r.stop_requested_at),
  stopRequestedBy: r.stop_requested_by,
});

/** Every review line, in mapping order. */
export async function listLines(db: Queryable): Promise<FullSyncLine[]> {
  const r = await db.query<Row>('SELECT * FROM integration.full_sync_lines ORDER BY position');
  return r.rows.map(toLine);
}

export async function getLine(db: Queryable, mapping: string): Promise<FullSyncLine | undefined> {
  const r = await db.query<Row>(
    'SELECT * FROM integration.full_sync_lines WHERE mapping_name = $1',
    [mapping],
  );
  return r.rows[0] ? toLine(r.rows[0]) : undefined;
}

/** The review line a mapping gets in an organization the integration has not synchronized with. */
export const MOVED_LINE_MESSAGE =
  'The connection moved to another Dynamics 365 organization: synchronize this mapping in full (records on both sides are coupled by matching first, not duplicated).';

/**
 * A moved line's message once *Start* was pressed and the line waits for its parents: still held
 * like a moved line, but now handed to the workers when its parents are done (`advance` leaves a
 * line carrying MOVED_LINE_MESSAGE alone, so the every-minute scheduler never starts one).
 */
export const MOVED_STARTED_MESSAGE =
  'Started after the move to another Dynamics 365 organization: waits for its parents, then synchronizes in full (records on both sides are coupled by matching first).';

export const HELD_MESSAGE =
  'its full synchronization is queued or running (the regular run continues from where it ends)';

export const MOVED_HELD_MESSAGE =
  'the connection moved to another Dynamics 365 organization and nothing of this mapping is coupled there yet; start the full synchronization (it couples by matching, then synchronizes)';

// A line still carrying a move's message has not run since the move (it runs once started and
// its parents are done, and every later status brings a message of its own).
const holds = (full: string, moved: string) =>
  `status IN ('Queued', 'Running') OR (NOT ${full}::boolean AND status = 'Pending' AND message = ANY(${moved}::text[]))`;
const MOVED_MESSAGES = [MOVED_LINE_MESSAGE, MOVED_STARTED_MESSAGE];

/** *Start* after a move: the moved lines may now be handed to the workers (see `advance`). */
export async function startMovedLines(db: Queryable): Promise<void> {
  await db.query(
    "UPDATE integration.full_sync_lines SET message = $2 WHERE status = 'Pending' AND message = $1",
    [MOVED_LINE_MESSAGE, MOVED_STARTED_MESSAGE],
  );
}

/**
 * Mappings whose regular runs wait: their full synchronization is queued or running, or the
 * connection moved to another organization and their line has not run there yet.
 */
export async function mappingsInFullSync(db: Queryable): Promise<Set<string>> {
  const r = await db.query<{ mapping_name: string }>(
    `SELECT mapping_name FROM integration.full_sync_lines WHERE ${holds('false', '$1')}`,
    [MOVED_MESSAGES],
  );
  return new Set(r.rows.map((x) => x.mapping_name));
}

/** Mappings whose line has not been started since the connection moved to another organization. */
export async function mappingsHeldByMove(db: Queryable): Promise<Set<string>> {
  const r = await db.query<{ mapping_name: string }>(
    "SELECT mapping_name FROM integration.full_sync_lines WHERE status = 'Pending' AND message = $1",
    [MOVED_LINE_MESSAGE],
  );
  return new Set(r.rows.map((x) => x.mapping_name));
}

/** The refusal of a run `holdReason` holds: the API and the CLI say it alike (409 mapping_held). */
export const heldError = (mapping: string, reason: string): AppError =>
  new AppError('mapping_held', `${mapping} is not synchronized now: ${reason}`);

/**
 * Why a run of the mapping waits now, or undefined when it may run. `full`: a run of every record
 * (not only coupled ones) is not held by a move, only by the line at work.
 */
export async function holdReason(
  db: Queryable,
  mapping: string,
  opts: { full?: boolean } = {},
): Promise<string | undefined> {
  const r = await db.query<{ status: LineStatus }>(
    `SELECT status FROM integration.full_sync_lines WHERE mapping_name = $1 AND (${holds('$2', '$3')})`,
    [mapping, opts.full === true, MOVED_MESSAGES],
  );
  const status = r.rows[0]?.status;
  if (!status) return undefined;
  return status === 'Pending' ? MOVED_HELD_MESSAGE : HELD_MESSAGE;
}

/**
 * A restart's reset of a column: a stopped line keeps what its run got to (its progress, its
 * jobs, its watermarks prepared), so that it continues where it stopped.
 */
const unlessStopped = (column: string, reset: string) =>
  `${column} = CASE WHEN b.status = 'Stopped' THEN l.${column} ELSE ${reset} END`;

/** What each transition also resets or stamps (fixed SQL: no input is pasted into it). */
const EFFECTS: Record<LineStatus, string> = {
  Pending: [
    "message = CASE WHEN b.status = 'Stopped' THEN 'Restarted after a stop: continues where it stopped' END",
    unlessStopped('done', '0'),
    unlessStopped('total', 'NULL'),
    unlessStopped('counters', "'{}'"),
    unlessStopped('job_ids', "'{}'"),
    unlessStopped('attempts', '0'),
    unlessStopped('started_at', 'NULL'),
    unlessStopped('prepared_at', 'NULL'),
    unlessStopped('matched', 'NULL'),
    unlessStopped('ambiguous', 'NULL'),
    unlessStopped('stop_watermarks', 'NULL'),
    'queued_at = NULL, heartbeat_at = NULL, finished_at = NULL, skipped_records = NULL',
    'stop_requested_at = NULL, stop_requested_by = NULL',
  ].join(', '),
  Queued: 'queued_at = now(), heartbeat_at = NULL',
  Running:
    'started_at = coalesce(l.started_at, now()), heartbeat_at = now(), attempts = l.attempts + 1',
  Finished: 'finished_at = now()',
  FinishedWithErrors: 'finished_at = now()',
  Failed: 'finished_at = now()',
  NotNeeded: 'finished_at = now()',
  // The watermarks a line that had begun got to, unless it kept some from an earlier stop and has
  // not run since (taken back when its run continues: `prepareWatermarks`).
  Stopped: `finished_at = now(), heartbeat_at = NULL,
    stop_watermarks = CASE WHEN l.prepared_at IS NULL THEN NULL ELSE coalesce(l.stop_watermarks,
      (SELECT jsonb_build_object('erp', m.erp_watermark, 'crm', m.crm_watermark)
         FROM integration.table_mappings m WHERE m.name = l.mapping_name)) END`,
};

/**
 * Moves a line to `to` when the transition table allows it from its current status; returns the
 * line as it was before (so the caller knows, e.g., whether it had started before), or undefined
 * when the move is not allowed — another worker got there first, or the status is wrong. A line
 * moved to `Running` without a message loses the one it had ("Stopped by shutdown; continues when
 * a worker takes it again" is not true of a line at work).
 */
export async function transition(
  db: Queryable,
  mapping: string,
  to: LineStatus,
  message?: string,
  /** Only from these statuses (a stop moves a pending or queued line, never one a worker took). */
  from?: readonly LineStatus[],
): Promise<FullSyncLine | undefined> {
  const params: unknown[] = [mapping, to, from ?? null];
  if (message !== undefined) params.push(message);
  const r = await db.query<Row>(
    `WITH before AS (SELECT * FROM integration.full_sync_lines WHERE mapping_name = $1 FOR UPDATE)
     UPDATE integration.full_sync_lines l SET status = $2, ${EFFECTS[to]}${message !== undefined ? ', message = $4' : to === 'Running' ? ', message = NULL' : ''}
       FROM integration.full_sync_transitions t, before b
      WHERE l.mapping_name = $1 AND t.from_status = b.status AND t.to_status = $2
        AND ($3::text[] IS NULL OR b.status = ANY($3::text[]))
      RETURNING b.*`,
    params,
  );
  return r.rows[0] ? toLine(r.rows[0]) : undefined;
}

/**
 * How many records a line is expected to handle, for progress bars: what the engine reported, or
 * else the source side's count. A bidirectional line handles every ERP record, then the CRM
 * records that were not coupled when counted nor coupled by its matching: the others come back to
 * its CRM → ERP pass as the integration's echoes and are dropped unread (docs/full-synchronization.md).
 * A finished line handled what it had to: its own count.
 */
export function expectedTotal(
  l: Omit<FullSyncLine, 'status'> & { readonly status: ReviewStatus },
): number | null {
  if (DONE_STATUSES.has(l.status)) return l.done;
  if (l.total !== null) return l.total;
  if (l.direction === 'ToIntegrationTable') return l.erpCount;
  if (l.direction === 'FromIntegrationTable') return l.crmCount;
  const uncoupled = (l.crmCount ?? 0) - (l.crmCoupled ?? 0) - (l.matched ?? 0);
  return (l.erpCount ?? 0) + Math.max(0, uncoupled);
}

/**
 * A line's progress over all its passes (matching, then each direction): every pass reports from
 * zero with counters of its own, so the passes before the current one are added to it.
 */
export function lineProgress(
  resumed: { done: number; counters: Readonly<Record<string, number>> } = {
    done: 0,
    counters: {},
  },
) {
  const before = { done: resumed.done, counters: emptyCounters() };
  for (const c of COUNTER_NAMES) before.counters[c] += resumed.counters[c] ?? 0;
  let current: { counters: JobCounters; done: number } | undefined;
  return (counters: JobCounters, done: number, total: number | undefined) => {
    if (current && current.counters !== counters) {
      before.done += current.done;
      for (const c of COUNTER_NAMES) before.counters[c] += current.counters[c];
    }
    current = { counters, done };
    return {
      done: before.done + done,
      total: total === undefined ? undefined : before.done + total,
      counters: Object.fromEntries(COUNTER_NAMES.map((c) => [c, before.counters[c] + counters[c]])),
    };
  };
}

/** Progress of a running line (records done of total, counters so far). */
export async function saveProgress(
  db: Queryable,
  mapping: string,
  p: { done: number; total: number | undefined; counters: Record<string, number> },
): Promise<void> {
  await db.query(
    `UPDATE integration.full_sync_lines SET done = $2, total = $3, counters = $4, heartbeat_at = now()
      WHERE mapping_name = $1 AND status = 'Running'`,
    [mapping, p.done, p.total ?? null, JSON.stringify(p.counters)],
  );
}

/** Still alive: a running line whose heartbeat stops is handed out again. */
export async function heartbeat(db: Queryable, mapping: string): Promise<void> {
  await db.query(
    "UPDATE integration.full_sync_lines SET heartbeat_at = now() WHERE mapping_name = $1 AND status = 'Running'",
    [mapping],
  );
}

/**
 * Called under the mapping's lock when a line's run begins: the first run of the line clears the
 * mapping's watermarks (every record is read); a run handed out again after its worker stopped
 * keeps them, so it continues from where the run got; a stopped line restarted puts back those its
 * run had reached (a regular run since may have moved them past records it has yet to create:
 * read again, they are found unchanged). Returns whether they were cleared.
 */
export async function prepareWatermarks(db: Queryable, mapping: string): Promise<boolean> {
  await db.query(
    `WITH l AS (
       UPDATE integration.full_sync_lines n SET stop_watermarks = NULL
         FROM integration.full_sync_lines o
        WHERE n.mapping_name = $1 AND o.mapping_name = n.mapping_name
          AND n.prepared_at IS NOT NULL AND n.stop_watermarks IS NOT NULL
        RETURNING n.mapping_name, o.stop_watermarks w)
     UPDATE integration.table_mappings m
        SET erp_watermark = (l.w->>'erp')::bigint, crm_watermark = l.w->>'crm'
       FROM l WHERE m.name = l.mapping_name`,
    [mapping],
  );
  const r = await db.query(
    `WITH l AS (
       UPDATE integration.full_sync_lines SET prepared_at = now()
        WHERE mapping_name = $1 AND prepared_at IS NULL RETURNING mapping_name)
     UPDATE integration.table_mappings m SET erp_watermark = NULL, crm_watermark = NULL
       FROM l WHERE m.name = l.mapping_name`,
    [mapping],
  );
  return (r.rowCount ?? 0) > 0;
}

/** What matching did: pairs coupled (added up over the line's runs) and ambiguous records now. */
export async function saveMatch(
  db: Queryable,
  mapping: string,
  m: { matched: number; ambiguous: number; jobId: string | null },
): Promise<void> {
  await db.query(
    `UPDATE integration.full_sync_lines SET matched = coalesce(matched, 0) + $2, ambiguous = $3,
       job_ids = CASE WHEN $4::uuid IS NULL THEN job_ids ELSE job_ids || $4::uuid END
      WHERE mapping_name = $1`,
    [mapping, m.matched, m.ambiguous, m.jobId],
  );
}

/**
 * Records the finished line's sync jobs and their summed counters (the records it handled are
 * what they add up to: its progress counted rows read, some of them not its business), and the
 * mapping's records skipped after failing.
 */
export async function saveOutcome(
  db: Queryable,
  mapping: string,
  o: { jobIds: readonly string[]; counters: Record<string, number>; skippedRecords: number },
): Promise<void> {
  const handled = Object.values(o.counters).reduce((n, c) => n + c, 0);
  await db.query(
    `UPDATE integration.full_sync_lines SET job_ids = job_ids || $2::uuid[], counters = $3, done = $4, total = $4,
       skipped_records = $5 WHERE mapping_name = $1`,
    [mapping, o.jobIds, JSON.stringify(o.counters), handled, o.skippedRecords],
  );
}

/** What a running line says about its run (why it waits, that it runs again, that it matches); null: nothing. */
export async function saveRunningMessage(
  db: Queryable,
  mapping: string,
  message: string | null,
): Promise<void> {
  await db.query(
    "UPDATE integration.full_sync_lines SET message = $2 WHERE mapping_name = $1 AND status = 'Running'",
    [mapping, message],
  );
}
