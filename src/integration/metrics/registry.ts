import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { DataverseMetricsHooks } from '../../dataverse/index.ts';

/**
 * The process's Prometheus registry. Counters that only this process can see (CRM requests, the
 * real-time path) are kept here; totals every process contributes to (runs, records) are read
 * from the database when `/metrics` is scraped (see db-collectors.ts).
 */
export const registry = new Registry();

// The process's CPU, memory, event-loop lag, handles and start time (prom-client's standard set),
// in every process that serves metrics: the server's /metrics and a worker's metrics listener.
collectDefaultMetrics({ register: registry });

export const propagationLag = new Histogram({
  name: 'kobling_propagation_lag_seconds',
  help: 'Time from a change being seen (ERP notification, or the CRM row modifiedon) to the end of the run that carried it',
  labelNames: ['mapping', 'direction'] as const,
  buckets: [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300, 1800],
  registers: [registry],
});

export const realtimeRuns = new Counter({
  name: 'kobling_realtime_runs_total',
  help: 'Runs started by the real-time path (ERP notifications and CRM change polling)',
  labelNames: ['mapping', 'direction'] as const,
  registers: [registry],
});

const crmRequests = new Counter({
  name: 'kobling_crm_http_requests_total',
  help: 'Logical requests to Dynamics 365 Sales, by operation and final status',
  labelNames: ['operation', 'status'] as const,
  registers: [registry],
});
const crmRetries = new Counter({
  name: 'kobling_crm_http_retries_total',
  help: 'Request attempts beyond the first (429, 5xx, network)',
  registers: [registry],
});
const crmThrottled = new Counter({
  name: 'kobling_crm_throttled_seconds_total',
  help: 'Time spent waiting on the CRM service-protection limits (Retry-After and the throttle)',
  registers: [registry],
});

/** Hooks for every Dataverse client this process builds. */
export const dataverseMetrics: DataverseMetricsHooks = {
  onRequest(info) {
    crmRequests.inc({ operation: info.operation, status: String(info.status) });
    if (info.retries > 0) crmRetries.inc(info.retries);
    if (info.throttledMs > 0) crmThrottled.inc(info.throttledMs / 1000);
  },
};
