import type { Queryable } from '../../db/db.ts';
import { pendingChanges } from '../../erp/public-api.ts';
import type { Clock } from '../../shared/clock.ts';
import { agree, plural } from '../../shared/plural.ts';
import { type ConnectionSetup, readConnection } from '../../sync/connection/connection-repo.ts';
import { ERP_INTEGRATION_ACTOR } from '../../sync/ports.ts';
import { openErrorCounts } from '../../sync/queries.ts';
import { failedLineMessages } from '../full-sync/failed-records.ts';
import { mappingsHeldByMove } from '../full-sync/full-sync-lines.ts';
import { shellName } from '../full-sync/line-status.ts';
import type { CrmHealth } from '../health/crm-health.ts';
import { listRealtimeMappings } from '../realtime/realtime-settings.ts';

/** A mapping keeps failing when this many of its latest passes in one direction failed in a row. */
export const FAILING_AFTER = 3;

/** How a pass direction reads to users. */
export const PASS_LABEL: Record<string, string> = {
  ToIntegrationTable: 'ERP → CRM',
  FromIntegrationTable: 'CRM → ERP',
};

/** A warning's next step: `kobling status` says it as a command, the web as a link. */
export interface NextStep {
  /** errors: the mapping's record errors (its log); skippedRetry: retry its skipped records. */
  readonly kind: 'errors' | 'skippedRetry';
  readonly mapping: string;
}

/** A warning in parts: what is wrong, then the steps that show or fix it. */
export interface StatusWarning {
  readonly text: string;
  readonly next: readonly NextStep[];
}

const stepCommand = (n: NextStep): string =>
  n.kind === 'errors'
    ? `kobling errors --mapping ${shellName(n.mapping)}`
    : `kobling skipped retry --mapping ${shellName(n.mapping)} after the fix`;

/** A warning as `kobling status` and GET /status say it: its next steps as commands. */
export const warningText = (w: StatusWarning): string =>
  w.next.length > 0 ? `${w.text} (${w.next.map(stepCommand).join('; ')})` : w.text;

interface RunSummary {
  readonly direction: string;
  readonly trigger: string;
  readonly status: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly message?: string;
  /**
   * Who cut the pass, when a shutdown (`shutdown`) or a stop of its full synchronization (the
   * user) ended it: its job is failed as "Stopped by …", yet nothing went wrong.
   */
  readonly cutBy?: string;
}

/** A pass a shutdown or a stop cut is recorded as failed "Stopped by …" (run-mapping.ts). */
const cutBy = (status: string, message: string | null | undefined): string | undefined =>
  status === 'failed' ? /^Stopped by (.+)$/.exec(message ?? '')?.[1] : undefined;

/** How a pass ended as users read it: a cut pass was interrupted or stopped, not failed. */
export const runResult = (r: RunSummary): string =>
  r.cutBy === undefined ? r.status : r.cutBy === 'shutdown' ? 'interrupted' : 'stopped';

/**
 * The last pass in one direction, and how many passes in that direction failed in a row (passes
 * a shutdown or a stop cut neither count nor end the row), the newest of them as `lastFailure`.
 */
export interface DirectionStatus {
  readonly direction: string;
  readonly lastRun: RunSummary;
  readonly consecutiveFailures: number;
  readonly lastFailure?: RunSummary;
}

export interface MappingStatus {
  readonly mapping: string;
  readonly direction: string;
  /**
   * warning: see `warnings`; failing: the last pass in some direction failed (not yet often
   * enough to warn); ok: it ran and nothing is wrong; idle: it never ran.
   */
  readonly state: 'ok' | 'failing' | 'warning' | 'idle';
  readonly realtime: boolean;
  readonly jobEnabled: boolean;
  readonly intervalMinutes: number;
  /** The latest pass, whichever direction. */
  readonly lastRun?: RunSummary;
  /** Per pass direction that ever ran: its last pass. A bidirectional mapping has two. */
  readonly directions: readonly DirectionStatus[];
  readonly lastSuccessAt?: string;
  /** The most failures in a row of one direction. */
  readonly consecutiveFailures: number;
  /** Coupled records whose last synchronization failed, and skipped records. */
  readonly failedRecords: number;
  readonly skippedRecords: number;
  /** Record errors not settled since (what `kobling errors --mapping` lists), coupled or not. */
  readonly openErrors: number;
  /** ERP changes not yet sent to the CRM, and how old the oldest is (the ERP → CRM lag). */
  readonly pendingErpChanges: number;
  readonly lagSeconds: number | null;
  readonly warnings: readonly string[];
  /** The same warnings in parts (the web links their next steps). */
  readonly warningParts: readonly StatusWarning[];
}

export interface IntegrationStatus {
  readonly connection: {
    readonly enabled: boolean;
    readonly crmUrl: string | null;
    /** What `/ready` found of the CRM (crm-health.ts), or `not checked` when not asked. */
    readonly crm: CrmHealth['state'] | 'not checked';
  };
  readonly mappings: readonly MappingStatus[];
  /** Record errors not settled since, of every job (mappings and recurring jobs): `kobling errors`. */
  readonly openErrors: number;
  /**
   * What `kobling status` shows first: the connection's organization not identified, the CRM not
   * answering, every mapping warning prefixed with its mapping, and every pass direction whose
   * last pass failed (before it keeps failing, when its mapping warning says so).
   */
  readonly warnings: readonly string[];
  /** The same warnings in the same order, in parts (the web links their next steps). */
  readonly warningParts: readonly StatusWarning[];
}

const summary = (j: JobRow): RunSummary => {
  const by = cutBy(j.status, j.message);
  return {
    direction: j.direction,
    trigger: j.trigger,
    status: j.status,
    startedAt: new Date(j.started_at).toISOString(),
    ...(j.finished_at ? { finishedAt: new Date(j.finished_at).toISOString() } : {}),
    ...(j.message ? { message: j.message } : {}),
    ...(by !== undefined ? { cutBy: by } : {}),
  };
};

/** A mapping's latest passes (newest first) per direction, ERP → CRM first. */
function byDirection(runs: readonly JobRow[]): DirectionStatus[] {
  const out: DirectionStatus[] = [];
  for (const direction of ['ToIntegrationTable', 'FromIntegrationTable']) {
    const mine = runs.filter((r) => r.direction === direction);
    if (mine.length === 0) continue;
    let failures = 0;
    let lastFailure: JobRow | undefined;
    for (const r of mine) {
      if (cutBy(r.status, r.message) !== undefined) continue;
      if (r.status !== 'failed') break;
      lastFailure ??= r;
      failures++;
    }
    out.push({
      direction,
      lastRun: summary(mine[0]!),
      consecutiveFailures: failures,
      ...(lastFailure ? { lastFailure: summary(lastFailure) } : {}),
    });
  }
  return out;
}

interface JobRow {
  mapping_name: string;
  direction: string;
  trigger: string;
  status: string;
  started_at: Date;
  finished_at: Date | null;
  message: string | null;
}

/**
 * One screen of the integration's health: per mapping its last run, failures in a row, open
 * errors, ERP backlog and lag, and warnings — a mapping that keeps failing, that has open record
 * errors or failed records, that has not run within twice its interval while its job is on, or
 * that waits for its full synchronization after a move to another organization.
 */
export async function integrationStatus(
  db: Queryable,
  clock: Clock,
  crm?: CrmHealth,
): Promise<IntegrationStatus> {
  const now = clock.now().getTime();
  const connection = await readConnection(db);
  const mappings = await listRealtimeMappings(db);
  const settings = await db.query<{
    name: string;
    job_enabled: boolean;
    job_interval_minutes: number;
    erp_watermark: string | null;
  }>(
    'SELECT name, job_enabled, job_interval_minutes, erp_watermark FROM integration.table_mappings',
  );
  const byName = new Map(settings.rows.map((r) => [r.name, r]));
  // The latest passes per mapping and direction (enough to count failures in a row): a
  // bidirectional mapping whose ERP → CRM passes work hides nothing of its failing CRM → ERP ones.
  const jobs = await db.query<JobRow>(
    `SELECT mapping_name, direction, trigger, status, started_at, finished_at, message FROM (
       SELECT j.*, row_number() OVER (PARTITION BY mapping_name, direction ORDER BY started_at DESC) AS k
         FROM integration.sync_jobs j) x
      WHERE k <= 10 ORDER BY mapping_name, started_at DESC`,
  );
  const recent = new Map<string, JobRow[]>();
  for (const j of jobs.rows) recent.set(j.mapping_name, [...(recent.get(j.mapping_name) ?? []), j]);
  const success = await db.query<{ mapping_name: string; at: Date }>(
    `SELECT mapping_name, max(finished_at) AS at FROM integration.sync_jobs
      WHERE status = 'succeeded' GROUP BY mapping_name`,
  );
  const lastSuccess = new Map(success.rows.map((r) => [r.mapping_name, r.at]));
  const records = await db.query<{
    mapping_name: string;
    failed: string;
    skipped: string;
    skipped_failed: string;
  }>(
    `SELECT mapping_name,
            count(*) FILTER (WHERE last_result_to_crm = 'Failure' OR last_result_to_erp = 'Failure') AS failed,
            count(*) FILTER (WHERE skipped) AS skipped,
            count(*) FILTER (WHERE skipped AND (last_result_to_crm = 'Failure' OR last_result_to_erp = 'Failure')) AS skipped_failed
       FROM integration.couplings GROUP BY mapping_name`,
  );
  const counts = new Map(records.rows.map((r) => [r.mapping_name, r]));
  const openErrors = await openErrorCounts(db);
  const heldByMove = await mappingsHeldByMove(db);
  const lineFailure = await failedLineMessages(db);
  const failedLines = [...lineFailure.values()].filter(
    (l) => l.status === 'Failed' || l.status === 'FinishedWithErrors',
  ).length;

  const out: MappingStatus[] = [];
  for (const m of mappings) {
    const s = byName.get(m.name);
    const runs = recent.get(m.name) ?? [];
    const last = runs[0];
    const directions = byDirection(runs);
    const failuresInRow = Math.max(0, ...directions.map((d) => d.consecutiveFailures));
    const parts: StatusWarning[] = [];
    const warnings = { push: (text: string, next: NextStep[] = []) => parts.push({ text, next }) };
    for (const d of directions)
      if (d.consecutiveFailures >= FAILING_AFTER)
        warnings.push(
          `keeps failing ${PASS_LABEL[d.direction] ?? d.direction}: the last ${d.consecutiveFailures} passes failed (${d.lastFailure?.message ?? 'no message'})`,
        );
    if (heldByMove.has(m.name))
      warnings.push(
        'waits for its full synchronization: the connection moved to another Dynamics 365 organization and nothing is coupled there yet (kobling sync full)',
      );
    const line = lineFailure.get(m.name);
    // One line to run again: its own restart; several: the one command for all of them (which
    // leaves stopped lines alone: each is restarted by itself).
    const restart =
      failedLines > 1
        ? 'kobling sync full --restart-failed'
        : `kobling sync full --restart ${shellName(m.name)}`;
    if (line?.status === 'Stopped')
      warnings.push(
        `its full synchronization was ${(line.message ?? 'Stopped').replace(/^Stopped/, 'stopped').replace(/; Restart continues where it stopped$/, '')} (kobling sync full --restart ${shellName(m.name)} continues it)`,
      );
    // Handed back to the queue by a shutdown: it goes on by itself (its message says so).
    if (line?.status === 'Queued')
      warnings.push(
        `its full synchronization was ${(line.message ?? 'Interrupted by a shutdown').replace(/^Interrupted/, 'interrupted')}`,
      );
    if (line?.status === 'Failed')
      warnings.push(
        `its full synchronization failed: ${line.message ?? 'no message'} (fix, then ${restart})`,
      );
    // A run that succeeded as a whole can still have failed records: each is an error to settle.
    // A line that finished with failed records is mostly the same records: one warning says both,
    // with where to see them (the line's own message says how to retry them).
    const c = counts.get(m.name);
    const failedRecords = Number(c?.failed ?? 0);
    const open = openErrors.get(m.name) ?? 0;
    const lineRecords =
      line?.status === 'FinishedWithErrors'
        ? `its full synchronization finished with ${[
            ...(line.failedRecords > 0 || line.skippedRecords === 0
              ? [plural(line.failedRecords, 'failed record')]
              : []),
            ...(line.skippedRecords > 0
              ? [`${plural(line.skippedRecords, 'record')} skipped after failing`]
              : []),
          ].join(' and ')}`
        : undefined;
    const records = [
      ...(open > 0 ? [plural(open, 'open record error')] : []),
      ...(failedRecords > 0
        ? [`${plural(failedRecords, 'record')} whose last synchronization failed`]
        : []),
    ].join(' and ');
    // Skipped ones wait for a retry by hand: no regular run retries them. Said once: when the
    // line's words already count them, only that they are not retried.
    const skippedFailed = Number(c?.skipped_failed ?? 0);
    const skipped =
      skippedFailed === 0
        ? ''
        : line?.status === 'FinishedWithErrors' && line.skippedRecords > 0
          ? '; the skipped ones are not retried automatically'
          : `; ${skippedFailed} of them skipped, not retried automatically`;
    if (records)
      warnings.push(`has ${records}${lineRecords ? `, and ${lineRecords}` : ''}${skipped}`, [
        { kind: 'errors', mapping: m.name },
        ...(skippedFailed > 0 ? [{ kind: 'skippedRetry' as const, mapping: m.name }] : []),
      ]);
    // Its records were settled since, yet the line still reads so until it runs again.
    else if (lineRecords && line)
      warnings.push(
        `${lineRecords}, ${agree(line.failedRecords + line.skippedRecords, 'not open now', 'none of them open now')} (${restart} runs the line again)`,
      );
    const interval = s?.job_interval_minutes ?? 30;
    if (connection.enabled && s?.job_enabled && last) {
      const age = now - new Date(last.started_at).getTime();
      if (age > 2 * interval * 60_000)
        warnings.push(`has not run for ${Math.round(age / 60_000)} min (interval ${interval} min)`);
    }
    let pending = { count: 0 } as Awaited<ReturnType<typeof pendingChanges>>;
    if (m.toCrm && m.erpSqlTable && s?.erp_watermark !== null && s?.erp_watermark !== undefined)
      pending = await pendingChanges(
        db,
        m.erpTable,
        Number(s.erp_watermark),
        ERP_INTEGRATION_ACTOR,
      );
    const success = lastSuccess.get(m.name);
    out.push({
      mapping: m.name,
      direction: m.direction,
      state: parts.length > 0 ? 'warning' : failuresInRow > 0 ? 'failing' : last ? 'ok' : 'idle',
      realtime: m.realtime,
      jobEnabled: s?.job_enabled ?? false,
      intervalMinutes: interval,
      ...(last ? { lastRun: summary(last) } : {}),
      directions,
      ...(success ? { lastSuccessAt: new Date(success).toISOString() } : {}),
      consecutiveFailures: failuresInRow,
      failedRecords,
      skippedRecords: Number(c?.skipped ?? 0),
      openErrors: open,
      pendingErpChanges: pending.count,
      lagSeconds: pending.oldestAt ? Math.max(0, (now - pending.oldestAt.getTime()) / 1000) : null,
      warnings: parts.map(warningText),
      warningParts: parts,
    });
  }
  const plain = (text: string): StatusWarning => ({ text, next: [] });
  const warningParts: StatusWarning[] = [
    ...organizationWarnings(connection).map(plain),
    ...(crm?.state === 'failing'
      ? [
          plain(
            `The CRM connection fails, so nothing is synchronized: ${crm.reason} (GET /ready answers 503)`,
          ),
        ]
      : []),
    // The mapping's name as the warning's label: `CUSTOMER: its full synchronization failed: …`.
    ...out.flatMap((m) => m.warningParts.map((w) => ({ ...w, text: `${m.mapping}: ${w.text}` }))),
    ...out.flatMap(lastPassWarnings).map(plain),
  ];
  return {
    connection: {
      enabled: connection.enabled,
      crmUrl: connection.crmUrl,
      crm: crm?.state ?? 'not checked',
    },
    mappings: out,
    openErrors: [...openErrors.values()].reduce((a, b) => a + b, 0),
    warnings: warningParts.map(warningText),
    warningParts,
  };
}

/**
 * A failed last pass is a warning from the first failure (from the third, "keeps failing" says
 * it). A pass a shutdown or a stop cut is none: the line's warning says what became of it.
 */
const lastPassWarnings = (m: MappingStatus): string[] =>
  m.directions
    .filter((d) => d.consecutiveFailures > 0 && d.consecutiveFailures < FAILING_AFTER)
    .map(
      (d) =>
        `${m.mapping}: ${d.consecutiveFailures > 1 ? `the last ${d.consecutiveFailures} passes` : 'the last pass'} ${PASS_LABEL[d.direction] ?? d.direction} failed (${d.lastFailure?.message ?? 'no message'})`,
    );

/**
 * The connection's address changed but its organization could not be asked: the couplings and
 * watermarks of the organization reached before are still used against whatever answers there,
 * until a connection test identifies it (and moves them aside when it is another organization).
 */
export function organizationWarnings(c: ConnectionSetup): string[] {
  const u = c.crmOrganizationUnidentified;
  if (!u) return [];
  return [
    `The organization at ${u.crmUrl ?? 'the new CRM address'} is not identified yet (${u.reason}); the couplings and watermarks of organization ${c.crmOrganizationId ?? '(unknown)'} are still in use there. Test the connection once it is reachable (Test connection on the Connection page, or POST /api/integration/v1/connection/test): another organization then gets them set aside.`,
  ];
}
