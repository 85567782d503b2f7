import './errors.ts';
import type { AppContext } from '../app/context.ts';
import type { SystemPart } from '../app/system-part.ts';
import { ensureQueue, type JobDefinition } from '../db/job-queue.ts';
import { withSignOfLife } from '../integration/job-liveness.ts';
import type { Result } from '../shared/result.ts';
import { readConnection } from '../sync/connection/connection-repo.ts';
import { autoProcessQuotes } from './quotes/quote-pickup.ts';
import { startRealtimePickups } from './realtime-pickups.ts';
import { reportOrderStatus } from './sales-orders/order-events.ts';
import { autoCreateSalesOrders } from './sales-orders/order-pickup.ts';
import { exclusively } from './shared/flow-events.ts';

export const AUTO_CREATE_ORDERS_QUEUE = 'flows.salesOrders.autoCreate';
export const ORDER_STATUS_QUEUE = 'flows.salesOrders.status';
export const AUTO_PROCESS_QUOTES_QUEUE = 'flows.quotes.autoProcess';

type Switch = 'autoCreateSalesOrders' | 'autoProcessQuotes' | 'salesOrderIntegration';

/**
 * A recurring job that runs `work` when the connection is enabled and its switch is on, in one
 * process at a time (a second worker picking the same schedule finds the lock taken and ends).
 */
function recurring(
  ctx: AppContext,
  queue: string,
  name: Switch,
  work: (ctx: AppContext) => Promise<Result<unknown>>,
): JobDefinition {
  // A job whose worker was killed is found by its sign of life, not left active for an hour.
  return withSignOfLife(ctx.db, {
    queue,
    policy: 'singleton',
    retryLimit: 0,
    expireInSeconds: 60 * 60,
    handler: async () => {
      const c = await readConnection(ctx.db);
      if (!c.enabled || !c[name]) return { ran: false, reason: `${name} is off` };
      const r = await exclusively(ctx.db, queue, () => work(ctx));
      if (!r.ran) return { ran: false, reason: 'already running' };
      if (!r.value.ok) ctx.logger.warn({ queue, error: r.value.error }, 'flow job failed');
      return r.value.ok ? r.value.value : { error: r.value.error };
    },
  });
}

/**
 * CRM orders and quotes into the ERP, and the orders' life back to the CRM, as background jobs:
 * *Automatically create sales orders* and *Automatically process quotes* (each behind its
 * switch) and the order status job (timeline posts, invoiced/reactivated orders). Scheduled every
 * minute by `kobling start`; any worker runs them.
 */
export const salesDocumentsPart: SystemPart = {
  name: 'sales-documents',
  jobs: (ctx) => [
    recurring(ctx, AUTO_CREATE_ORDERS_QUEUE, 'autoCreateSalesOrders', autoCreateSalesOrders),
    recurring(ctx, AUTO_PROCESS_QUOTES_QUEUE, 'autoProcessQuotes', autoProcessQuotes),
    recurring(ctx, ORDER_STATUS_QUEUE, 'salesOrderIntegration', reportOrderStatus),
  ],
  startBackground: (ctx) =>
    startRealtimePickups(ctx, [
      {
        entitySet: 'salesorders',
        switchName: 'autoCreateSalesOrders',
        queue: AUTO_CREATE_ORDERS_QUEUE,
        work: autoCreateSalesOrders,
      },
      {
        entitySet: 'quotes',
        switchName: 'autoProcessQuotes',
        queue: AUTO_PROCESS_QUOTES_QUEUE,
        work: autoProcessQuotes,
      },
    ]),
  async startService(ctx) {
    if (ctx.boss) {
      for (const queue of [
        AUTO_CREATE_ORDERS_QUEUE,
        AUTO_PROCESS_QUOTES_QUEUE,
        ORDER_STATUS_QUEUE,
      ]) {
        await ensureQueue(ctx.boss, queue);
        await ctx.boss.schedule(queue, '* * * * *', {});
      }
    }
    return { lines: [], stop: async () => {} };
  },
};
