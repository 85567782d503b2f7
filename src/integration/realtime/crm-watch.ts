import pg from 'pg';
import { type DataverseError, primaryKeyOf } from '../../dataverse/index.ts';
import { ok, type Result } from '../../shared/result.ts';
import { unlessStopping } from '../../shared/stopping.ts';
import { type Poller, startCrmPoller } from './crm-poller.ts';
import { failureLog } from './failure-log.ts';
import { pollingClient } from './polling-client.ts';
import {
  defaultRealtimeOptions,
  LOCK_SQL,
  type RealtimeDeps,
  UNLOCK_SQL,
} from './realtime-service.ts';

export interface CrmWatchOptions {
  /** Names the watch's leadership lock (`kobling.realtime:<key>`): one process watches. */
  readonly key: string;
  /** Dataverse entity set to watch (`salesorders`). */
  readonly entitySet: string;
  /** Asked before each look: watching is pointless while a switch is off. */
  readonly enabled: () => Promise<boolean>;
  /** Something in the table changed (also called once when this process starts watching). */
  readonly onChange: () => Promise<void>;
  readonly pollMs?: number;
  readonly refreshMs?: number;
}

/**
 * Watches a CRM table through change tracking for work that is not a mapping run — e.g. sales
 * orders a salesperson submits, picked up by a flow's job within seconds instead of at the next
 * minute. Like the mapping path: one process leads (session advisory lock on its own
 * connection), one cheap request per look, back-off when throttled. The delta link lives in the
 * leader's memory: a new leader starts from a fresh link and calls `onChange` once, so a change
 * made while nobody watched is still handled.
 */
export async function startCrmWatch(
  deps: RealtimeDeps,
  o: CrmWatchOptions,
): Promise<{ stop(): Promise<void> }> {
  const pollMs = o.pollMs ?? deps.config.realtime.pollMs;
  const refreshMs = o.refreshMs ?? defaultRealtimeOptions.refreshMs;
  let conn: pg.Client | undefined;
  let poller: Poller | undefined;
  let deltaLink: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const { client, crmUrl } = pollingClient(deps);
  // The CRM down or throttling is tried again every few seconds: warned about once, not each time.
  const watching = failureLog({
    logger: deps.logger,
    clock: deps.clock,
    what: 'CRM watch',
    fields: { watch: o.key },
    crmUrl,
  });
  const handle = (err: unknown) => deps.logger.warn({ err, watch: o.key }, 'CRM watch failed');

  /**
   * Reads the delta up to now (ids only), keeping the new link. False without a usable
   * connection; a failed read is its error value (the CRM down is expected, not thrown).
   */
  async function advance(): Promise<Result<boolean, DataverseError>> {
    const c = await client();
    if (!c) return ok(false);
    const r = await c.trackChanges(o.entitySet, {
      select: [primaryKeyOf(o.entitySet)],
      ...(deltaLink ? { deltaLink } : {}),
    });
    if (!r.ok) return r;
    deltaLink = r.value.deltaLink;
    watching.succeeded();
    return ok(true);
  }

  function stopWatching(): void {
    poller?.stop();
    poller = undefined;
    deltaLink = undefined;
  }

  async function refresh(): Promise<void> {
    if (!conn) {
      const c = new pg.Client({ connectionString: deps.db.url, application_name: 'kobling-watch' });
      c.on('error', (err) => {
        unlessStopping(
          () => deps.logger.warn({ err, watch: o.key }, 'CRM watch connection lost'),
          () =>
            deps.logger.debug({ err, watch: o.key }, 'CRM watch connection lost while stopping'),
        );
        if (conn === c) conn = undefined;
        stopWatching();
      });
      await c.connect();
      conn = c;
    }
    if (!(await o.enabled())) {
      if (poller) {
        stopWatching();
        await conn.query(UNLOCK_SQL, [o.key]);
      }
      return;
    }
    if (poller) return;
    const got = await conn.query<{ got: boolean }>(LOCK_SQL, [o.key]);
    if (!got.rows[0]?.got) return;
    const first = await advance();
    if (!first.ok) {
      // Not watching yet: the next refresh takes the lock again and tries once more.
      await conn.query(UNLOCK_SQL, [o.key]);
      watching.failed(first.error, refreshMs);
      return;
    }
    if (!first.value) return;
    await o.onChange();
    let busy = false;
    poller = startCrmPoller({
      intervalMs: pollMs,
      maxIntervalMs: defaultRealtimeOptions.maxPollMs,
      deltaLink: async () => deltaLink ?? null,
      client,
      onChange: () => {
        if (busy) return;
        busy = true;
        advance()
          .then((r) => {
            if (!r.ok) return watching.failed(r.error);
            return r.value ? o.onChange() : undefined;
          })
          .catch(handle)
          .finally(() => {
            busy = false;
          });
      },
      onError: (err, retryInMs) => watching.failed(err, retryInMs),
      onSuccess: () => watching.succeeded(),
    });
  }

  const loop = async () => {
    timer = undefined;
    await refresh().catch(handle);
    if (!stopped) timer = setTimeout(loop, refreshMs);
  };
  const first = loop();

  return {
    async stop() {
      stopped = true;
      await first;
      if (timer) clearTimeout(timer);
      stopWatching();
      await conn?.end().catch((err) => deps.logger.debug({ err }, 'watch connection close failed'));
    },
  };
}
