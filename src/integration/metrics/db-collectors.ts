import { Counter, Gauge } from 'prom-client';
import type { Queryable } from '../../db/db.ts';
import { postingCounts } from '../../erp/public-api.ts';
import { COUNTER_NAMES } from '../../sync/model.ts';
import { openErrorCounts } from '../../sync/queries.ts';
import { registry } from './registry.ts';

let registered = false;
// The database the collectors read: the last one registered (one per process outside tests).
let source: Queryable;

/**
 * Metrics read from the database when `/metrics` is scraped, so every worker process's runs are
 * counted whichever process serves the scrape. Registered once per process.
 */
export function registerDbCollectors(database: Queryable): void {
  source = database;
  if (registered) return;
  registered = true;
  const db: Queryable = { query: (text, params) => source.query(text, params) };

  new Counter({
    name: 'kobling_sync_runs_total',
    help: 'Synchronization passes by mapping, direction and outcome (succeeded, failed, running…)',
    labelNames: ['mapping', 'direction', 'outcome'] as const,
    registers: [registry],
    async collect() {
      const r = await db.query<{
        mapping_name: string;
        direction: string;
        status: string;
        n: string;
      }>(
        `SELECT mapping_name, direction, status, count(*) AS n FROM integration.sync_jobs
          GROUP BY mapping_name, direction, status`,
      );
      this.reset();
      for (const row of r.rows)
        this.inc(
          { mapping: row.mapping_name, direction: row.direction, outcome: row.status },
          Number(row.n),
        );
    },
  });

  new Counter({
    name: 'kobling_sync_records_total',
    help: 'Records handled by synchronization passes, by mapping, direction and outcome (inserted, modified, failed, skipped…)',
    labelNames: ['mapping', 'direction', 'outcome'] as const,
    registers: [registry],
    async collect() {
      const sums = COUNTER_NAMES.map((c) => `sum(${c})::bigint AS ${c}`).join(', ');
      const r = await db.query<Record<string, string>>(
        `SELECT mapping_name, direction, ${sums} FROM integration.sync_jobs GROUP BY mapping_name, direction`,
      );
      this.reset();
      for (const row of r.rows)
        for (const c of COUNTER_NAMES)
          this.inc(
            { mapping: row.mapping_name!, direction: row.direction!, outcome: c },
            Number(row[c] ?? 0),
          );
    },
  });

  new Gauge({
    name: 'kobling_sync_open_errors',
    help: 'Per table mapping: coupled records whose last synchronization failed (failed), skipped records (skipped) and record errors not settled since (errors, as kobling errors)',
    labelNames: ['mapping', 'kind'] as const,
    registers: [registry],
    async collect() {
      // Only mappings that exist, each with 0 when nothing fails (a vanished series reads as "no
      // data"); couplings the quote flow keeps under its own name (SALESQUOTE-QUOTE) are no mapping.
      const r = await db.query<{ mapping_name: string; failed: string; skipped: string }>(
        `SELECT m.name AS mapping_name,
                count(c.id) FILTER (WHERE c.last_result_to_crm = 'Failure' OR c.last_result_to_erp = 'Failure') AS failed,
                count(c.id) FILTER (WHERE c.skipped) AS skipped
           FROM integration.table_mappings m
           LEFT JOIN integration.couplings c ON c.mapping_name = m.name
          GROUP BY m.name`,
      );
      const open = await openErrorCounts(db);
      this.reset();
      for (const row of r.rows) {
        this.set({ mapping: row.mapping_name, kind: 'failed' }, Number(row.failed));
        this.set({ mapping: row.mapping_name, kind: 'skipped' }, Number(row.skipped));
        this.set({ mapping: row.mapping_name, kind: 'errors' }, open.get(row.mapping_name) ?? 0);
      }
    },
  });

  new Gauge({
    name: 'kobling_sync_last_success_timestamp_seconds',
    help: 'When each mapping last finished a pass successfully (Unix time)',
    labelNames: ['mapping', 'direction'] as const,
    registers: [registry],
    async collect() {
      const r = await db.query<{ mapping_name: string; direction: string; at: Date }>(
        `SELECT mapping_name, direction, max(finished_at) AS at FROM integration.sync_jobs
          WHERE status = 'succeeded' GROUP BY mapping_name, direction`,
      );
      this.reset();
      for (const row of r.rows)
        this.set(
          { mapping: row.mapping_name, direction: row.direction },
          new Date(row.at).getTime() / 1000,
        );
    },
  });

  new Gauge({
    name: 'kobling_job_queue_depth',
    help: 'Background jobs waiting to run, by queue',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      // The queue's tables exist once some process started pg-boss on this database.
      const exists = await db.query<{ t: string | null }>("SELECT to_regclass('pgboss.job') AS t");
      if (!exists.rows[0]?.t) return;
      // Every queue pg-boss knows, 0 when nothing waits: a series that vanishes when a queue is
      // empty reads as "no data" on a dashboard, not as "nothing waiting".
      const r = await db.query<{ name: string; n: string }>(
        `SELECT q.name, count(j.id) AS n
           FROM pgboss.queue q
           LEFT JOIN pgboss.job j ON j.name = q.name AND j.state IN ('created', 'retry')
          GROUP BY q.name`,
      );
      for (const row of r.rows) this.set({ queue: row.name }, Number(row.n));
    },
  });

  new Counter({
    name: 'kobling_erp_postings_total',
    help: 'Posted ERP documents, by kind',
    labelNames: ['document'] as const,
    registers: [registry],
    async collect() {
      const c = await postingCounts(db);
      this.reset();
      this.inc({ document: 'salesShipment' }, c.shipments);
      this.inc({ document: 'salesInvoice' }, c.invoices);
    },
  });
}
