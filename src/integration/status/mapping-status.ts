import type { Queryable } from '../../db/db.ts';
import { pendingChanges } from '../../erp/public-api.ts';
import type { Clock } from '../../shared/clock.ts';
import { readConnection } from '../../sync/connection/connection-repo.ts';
import { ERP_INTEGRATION_ACTOR } from '../../sync/ports.ts';
import { listRealtimeMappings } from '../realtime/realtime-settings.ts';

/** A mapping keeps failing when this many of its latest passes failed in a row. */
export const FAILING_AFTER = 3;

export interface MappingStatus {
  readonly mapping: string;
  readonly direction: string;
  readonly state: 'ok' | 'warning' | 'idle';
  readonly realtime: boolean;
  readonly jobEnabled: boolean;
  readonly intervalMinutes: number;
  readonly lastRun?: {
    readonly direction: string;
    readonly trigger: string;
    readonly status: string;
    readonly startedAt: string;
    readonly finishedAt?: string;
    readonly message?: string;
  };
  readonly lastSuccessAt?: string;
  readonly consecutiveFailures: number;
  /** Coupled records whose last synchronization failed, and skipped records. */
  readonly failedRecords: number;
  readonly skippedRecords: number;
  /** ERP changes not yet sent to the CRM, and how old the oldest is (the ERP → CRM lag). */
  readonly pendingErpChanges: number;
  readonly lagSeconds: number | null;
  readonly warnings: readonly string[];
}

export interface IntegrationStatus {
  readonly connection: { readonly enabled: boolean; readonly crmUrl: string | null };
  readonly mappings: readonly MappingStatus[];
  /** Every mapping warning, prefixed with its mapping: what `kobling status` shows first. */
  readonly warnings: readonly string[];
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
 * errors, ERP backlog and lag, and warnings — a mapping that keeps failing, or that has not run
 * within twice its interval while its job is on.
 */
export async function integrationStatus(db: Queryable, clock: Clock): Promise<IntegrationStatus> {
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
  // The latest passes per mapping (enough to count failures in a row).
  const jobs = await db.query<JobRow>(
    `SELECT mapping_name, direction, trigger, status, started_at, finished_at, message FROM (
       SELECT j.*, row_number() OVER (PARTITION BY mapping_name ORDER BY started_at DESC) AS k
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
  const records = await db.query<{ mapping_name: string; failed: string; skipped: string }>(
    `SELECT mapping_name,
            count(*) FILTER (WHERE last_result_to_crm = 'Failure' OR last_result_to_erp = 'Failure') AS failed,
            count(*) FILTER (WHERE skipped) AS skipped
       FROM integration.couplings GROUP BY mapping_name`,
  );
  const counts = new Map(records.rows.map((r) => [r.mapping_name, r]));

  const out: MappingStatus[] = [];
  for (const m of mappings) {
    const s = byName.get(m.name);
    const runs = recent.get(m.name) ?? [];
    const last = runs[0];
    let failuresInRow = 0;
    for (const r of runs) {
      if (r.status !== 'failed') break;
      failuresInRow++;
    }
    const warnings: string[] = [];
    if (failuresInRow >= FAILING_AFTER)
      warnings.push(
        `keeps failing: the last ${failuresInRow} runs failed (${last?.message ?? 'no message'})`,
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
    const c = counts.get(m.name);
    const success = lastSuccess.get(m.name);
    out.push({
      mapping: m.name,
      direction: m.direction,
      state: warnings.length > 0 ? 'warning' : last ? 'ok' : 'idle',
      realtime: m.realtime,
      jobEnabled: s?.job_enabled ?? false,
      intervalMinutes: interval,
      ...(last
        ? {
            lastRun: {
              direction: last.direction,
              trigger: last.trigger,
              status: last.status,
              startedAt: new Date(last.started_at).toISOString(),
              ...(last.finished_at ? { finishedAt: new Date(last.finished_at).toISOString() } : {}),
              ...(last.message ? { message: last.message } : {}),
            },
          }
        : {}),
      ...(success ? { lastSuccessAt: new Date(success).toISOString() } : {}),
      consecutiveFailures: failuresInRow,
      failedRecords: Number(c?.failed ?? 0),
      skippedRecords: Number(c?.skipped ?? 0),
      pendingErpChanges: pending.count,
      lagSeconds: pending.oldestAt ? Math.max(0, (now - pending.oldestAt.getTime()) / 1000) : null,
      warnings,
    });
  }
  return {
    connection: { enabled: connection.enabled, crmUrl: connection.crmUrl },
    mappings: out,
    warnings: out.flatMap((m) => m.warnings.map((w) => `${m.mapping} ${w}`)),
  };
}
