import pg from 'pg';
import type { Clock } from '../../shared/clock.ts';
import { unlessStopping } from '../../shared/stopping.ts';
import { readConnection } from '../../sync/connection/connection-repo.ts';
import { discardEmptyJobs } from '../../sync/engine/job-log.ts';
import { listMappings } from '../../sync/mappings/mapping-repo.ts';
import { type PassDirection, upstreamOf } from '../../sync/model.ts';
import { propagationLag, realtimeRuns } from '../metrics/registry.ts';
import { runMappingJob } from '../sync-jobs.ts';
import type { SyncDeps } from '../sync-runtime.ts';
import { type Coalescer, createCoalescer } from './coalescer.ts';
import { type Poller, startCrmPoller } from './crm-poller.ts';
import { waitWhile } from './dependency-wait.ts';
import { failureLog } from './failure-log.ts';
import { pollingClient } from './polling-client.ts';
import { listRealtimeMappings, type RealtimeMapping } from './realtime-settings.ts';
import { runSlots } from './run-slots.ts';

/** The ERP's change capture notifies this channel with the table name (src/erp/migrations). */
export const ERP_CHANGE_CHANNEL = 'kobling_erp_change';

export interface RealtimeOptions {
  readonly debounceMs: number;
  readonly maxWaitMs: number;
  readonly pollMs: number;
  readonly maxPollMs: number;
  /** How often mappings and leadership are re-read (switches, a leader that went away). */
  readonly refreshMs: number;
  readonly busyRetryMs: number;
  /** Real-time runs at once in this process. */
  readonly concurrency: number;
  /** Longest a woken run waits for the mappings it depends on to run first. */
  readonly dependencyWaitMs: number;
}

export const defaultRealtimeOptions: RealtimeOptions = {
  debounceMs: 250,
  maxWaitMs: 1000,
  pollMs: 2000,
  maxPollMs: 60_000,
  refreshMs: 5000,
  busyRetryMs: 300,
  concurrency: 2,
  dependencyWaitMs: 5000,
};

export interface RealtimeDeps extends SyncDeps {
  readonly clock: Clock;
}

export interface RealtimeService {
  /** Mappings this process leads now (listens and polls for). */
  led(): string[];
  stop(): Promise<void>;
}

interface Led {
  readonly mapping: RealtimeMapping;
  readonly toCrm?: Coalescer;
  readonly toErp?: Coalescer;
  readonly poller?: Poller;
}

/** The leadership lock of a real-time mapping or watch, held on the leader's own connection. */
export const LOCK_SQL = "SELECT pg_try_advisory_lock(hashtext('kobling.realtime:' || $1)) AS got";
export const UNLOCK_SQL = "SELECT pg_advisory_unlock(hashtext('kobling.realtime:' || $1))";

/**
 * The near-real-time path, started in every process that runs workers. For each mapping with
 * its real-time switch on, exactly one process leads (a session advisory lock on a dedicated
 * connection; when that process dies its locks go with its connection and another takes over
 * at the next refresh). The leader wakes the mapping's ERP → CRM run on the ERP's change
 * notifications and its CRM → ERP run when change tracking shows a change. Runs go through the
 * same mapping lock, watermarks and echo suppression as scheduled runs, so nothing is read twice
 * or missed; the scheduled job stays as the safety net.
 */
export async function startRealtime(
  deps: RealtimeDeps,
  options: Partial<RealtimeOptions> = {},
): Promise<RealtimeService> {
  const o = { ...defaultRealtimeOptions, ...options };
  const led = new Map<string, Led>();
  let conn: pg.Client | undefined;
  let stopped = false;
  let refreshTimer: NodeJS.Timeout | undefined;
  let refreshing: Promise<void> | undefined;
  // Runs in progress, so stopping waits for them before the database pool closes.
  const inflight = new Set<Promise<unknown>>();
  const withSlot = runSlots(o.concurrency);
  // Each mapping's upstream (dependency filter and lookups), re-read at every refresh.
  let upstream = new Map<string, string[]>();

  /** The mappings `name` depends on whose run in direction `only` is woken or on in this process. */
  const upstreamActive = (name: string, only: PassDirection) =>
    (upstream.get(name) ?? []).filter((dep) => {
      const l = led.get(dep);
      return (only === 'ToIntegrationTable' ? l?.toCrm : l?.toErp)?.active ?? false;
    });

  /**
   * One change may wake a mapping and one it depends on together (an item's new base unit wakes
   * ITEM UOM and ITEM-PRODUCT): a product run that went first would fail the item for a unit not
   * yet in the CRM, and the same failure twice skips it. So the run lets those go first, for at
   * most `dependencyWaitMs`. Dependencies form a DAG and a mapping is never its own upstream; a
   * cycle a user made, or a dependency that keeps running, only delays the run.
   */
  async function upstreamFirst(name: string, only: PassDirection): Promise<void> {
    const waitingFor = upstreamActive(name, only);
    if (waitingFor.length === 0) return;
    const waited = await waitWhile(() => upstreamActive(name, only).length > 0, o.dependencyWaitMs);
    const fields = { mapping: name, direction: only, waitingFor };
    if (waited === 'timed out')
      deps.logger.debug(fields, 'real-time run starts before the mappings it depends on settled');
    else deps.logger.debug(fields, 'real-time run waited for the mappings it depends on');
  }

  const run = (name: string, only: PassDirection) => async (firstSeen: Date) => {
    const running = (async () => {
      await upstreamFirst(name, only);
      // Stopping while it waited: the pool may be closing, the next leader picks the change up.
      if (stopped) return undefined;
      realtimeRuns.inc({ mapping: name, direction: only });
      return withSlot(() => runMappingJob(deps, { mapping: name, trigger: 'realtime', only }));
    })();
    inflight.add(running);
    const r = await running.finally(() => inflight.delete(running));
    if (!r) return 'ran' as const;
    if (r.busy) return 'busy' as const;
    if (r.ran) {
      const lag = (deps.clock.now().getTime() - firstSeen.getTime()) / 1000;
      propagationLag.observe({ mapping: name, direction: only }, Math.max(0, lag));
      // A change outside the mapping's filter (an uncoupled record under "only coupled") wakes a
      // run that handles nothing: it is not kept in the synchronization log.
      const ids = (r.reports ?? []).map((p) => p.jobId);
      const discarded = await discardEmptyJobs(deps.db, ids);
      if (discarded > 0)
        deps.logger.debug({ mapping: name, discarded }, 'real-time run found nothing to do');
    } else if (r.reason) {
      deps.logger.debug({ mapping: name, reason: r.reason }, 'real-time run skipped');
    }
    return 'ran' as const;
  };

  const coalescer = (name: string, only: PassDirection) =>
    createCoalescer({
      debounceMs: o.debounceMs,
      maxWaitMs: o.maxWaitMs,
      busyRetryMs: o.busyRetryMs,
      clock: deps.clock,
      run: run(name, only),
      onError: (err) => deps.logger.warn({ err, mapping: name }, 'real-time run failed'),
    });

  function lead(m: RealtimeMapping): Led {
    const toCrm = m.toCrm ? coalescer(m.name, 'ToIntegrationTable') : undefined;
    const toErp = m.toErp ? coalescer(m.name, 'FromIntegrationTable') : undefined;
    // Polling backs off on failure; the log says when it starts failing, not at every look.
    const crm = pollingClient(deps);
    const polling = failureLog({
      logger: deps.logger,
      clock: deps.clock,
      what: 'CRM change polling',
      fields: { mapping: m.name },
      crmUrl: crm.crmUrl,
    });
    const poller = toErp
      ? startCrmPoller({
          intervalMs: o.pollMs,
          maxIntervalMs: o.maxPollMs,
          deltaLink: async () => {
            const r = await deps.db.query<{ crm_watermark: string | null }>(
              'SELECT crm_watermark FROM integration.table_mappings WHERE name = $1',
              [m.name],
            );
            return r.rows[0]?.crm_watermark ?? null;
          },
          client: crm.client,
          onChange: () => toErp.poke(),
          onError: (err, retryInMs) => polling.failed(err, retryInMs),
          onSuccess: () => polling.succeeded(),
        })
      : undefined;
    return { mapping: m, toCrm, toErp, poller };
  }

  function release(name: string): void {
    const l = led.get(name);
    if (!l) return;
    l.toCrm?.stop();
    l.toErp?.stop();
    l.poller?.stop();
    led.delete(name);
  }

  async function connect(): Promise<pg.Client> {
    const c = new pg.Client({
      connectionString: deps.db.url,
      application_name: 'kobling-realtime',
    });
    c.on('error', (err) => {
      // The connection is gone, and with it every leadership lock: drop them and reconnect.
      unlessStopping(
        () => deps.logger.warn({ err }, 'real-time listener connection lost'),
        () => deps.logger.debug({ err }, 'real-time listener connection lost while stopping'),
      );
      if (conn === c) conn = undefined;
      for (const name of [...led.keys()]) release(name);
    });
    c.on('notification', (msg) => {
      if (msg.channel !== ERP_CHANGE_CHANNEL) return;
      for (const l of led.values()) if (l.mapping.erpSqlTable === msg.payload) l.toCrm?.poke();
    });
    await c.connect();
    await c.query(`LISTEN ${ERP_CHANGE_CHANNEL}`);
    return c;
  }

  async function refresh(): Promise<void> {
    if (stopped) return;
    if (!conn) conn = await connect();
    const c = conn;
    const enabled = (await readConnection(deps.db)).enabled;
    const wanted = enabled ? (await listRealtimeMappings(deps.db)).filter((m) => m.realtime) : [];
    if (enabled)
      upstream = new Map((await listMappings(deps.db)).map((m) => [m.name, upstreamOf(m)]));
    const wantedNames = new Set(wanted.map((m) => m.name));
    for (const name of [...led.keys()]) {
      if (wantedNames.has(name)) continue;
      release(name);
      await c.query(UNLOCK_SQL, [name]);
    }
    for (const m of wanted) {
      if (led.has(m.name)) continue;
      const got = await c.query<{ got: boolean }>(LOCK_SQL, [m.name]);
      if (!got.rows[0]?.got) continue;
      const l = lead(m);
      led.set(m.name, l);
      // Changes made while nobody led this mapping are picked up at once (a mapping that never
      // ran waits for its first scheduled or full synchronization instead).
      if (m.erpWatermark !== null) l.toCrm?.poke();
    }
  }

  const loop = async () => {
    refreshTimer = undefined;
    refreshing = refresh().catch((err) => {
      deps.logger.warn({ err }, 'real-time refresh failed; retrying');
    });
    await refreshing;
    refreshing = undefined;
    if (!stopped) refreshTimer = setTimeout(loop, o.refreshMs);
  };
  // The first refresh runs in the background: a process's start never waits on the CRM.
  const first = loop();

  return {
    led: () => [...led.keys()].sort(),
    async stop() {
      stopped = true;
      await first;
      if (refreshTimer) clearTimeout(refreshTimer);
      await refreshing;
      for (const name of [...led.keys()]) release(name);
      await Promise.allSettled([...inflight]);
      await conn?.end().catch((err) => deps.logger.debug({ err }, 'listener close failed'));
      conn = undefined;
    },
  };
}
