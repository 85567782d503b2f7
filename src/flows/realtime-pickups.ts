import type { AppContext } from '../app/context.ts';
import { createCoalescer } from '../integration/realtime/coalescer.ts';
import { startCrmWatch } from '../integration/realtime/crm-watch.ts';
import { defaultRealtimeOptions } from '../integration/realtime/realtime-service.ts';
import type { Result } from '../shared/result.ts';
import { readConnection } from '../sync/connection/connection-repo.ts';
import { exclusively } from './shared/flow-events.ts';

/** A CRM table to watch, the switch it waits on, and the pickup it runs. */
export interface Pickup {
  readonly entitySet: string;
  readonly switchName: 'autoCreateSalesOrders' | 'autoProcessQuotes';
  /** The pickup's job queue name: also the name of the lock its scheduled job takes. */
  readonly queue: string;
  readonly work: (ctx: AppContext) => Promise<Result<unknown>>;
}

/**
 * Submitted orders and activated quotes picked up within seconds: while a pickup's automatic
 * switch is on, its CRM table is watched through change tracking, and a change runs the pickup in
 * this process under the same lock as its scheduled job (busy elsewhere: tried again shortly; a
 * change during a run: one more run after it). The every-minute job stays as the safety net.
 */
export async function startRealtimePickups(
  ctx: AppContext,
  pickups: readonly Pickup[],
): Promise<{ stop(): Promise<void> }> {
  if (!ctx.config.realtime.enabled) return { stop: async () => {} };
  const deps = { db: ctx.db, config: ctx.config, logger: ctx.logger, clock: ctx.clock };
  const enabled = async (p: Pickup) => {
    const c = await readConnection(ctx.db);
    return c.enabled && c[p.switchName];
  };
  const stops: (() => Promise<void>)[] = [];
  for (const p of pickups) {
    const o = defaultRealtimeOptions;
    const coalescer = createCoalescer({
      debounceMs: o.debounceMs,
      maxWaitMs: o.maxWaitMs,
      busyRetryMs: o.busyRetryMs,
      clock: ctx.clock,
      run: async () => {
        if (!(await enabled(p))) return 'ran';
        const r = await exclusively(ctx.db, p.queue, () => p.work(ctx));
        if (!r.ran) return 'busy';
        if (!r.value.ok) ctx.logger.warn({ queue: p.queue, error: r.value.error }, 'pickup failed');
        return 'ran';
      },
      onError: (err) => ctx.logger.warn({ err, queue: p.queue }, 'real-time pickup failed'),
    });
    const watch = await startCrmWatch(deps, {
      key: p.queue,
      entitySet: p.entitySet,
      enabled: () => enabled(p),
      onChange: async () => coalescer.poke(),
    });
    stops.push(async () => {
      coalescer.stop();
      await watch.stop();
    });
  }
  return {
    async stop() {
      for (const stop of stops) await stop();
    },
  };
}
