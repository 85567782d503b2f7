import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { registerAccountStatisticsRoutes } from './account-statistics/routes.ts';
import { registerPostedInvoiceRoutes } from './posted-invoices/routes.ts';
import { registerScheduledJobRoutes } from './scheduled-job-routes.ts';

/** The outbound lead-to-cash flows' routes under /api/integration/v1. */
export function registerOutboundFlowRoutes(app: FastifyInstance, ctx: AppContext): void {
  registerPostedInvoiceRoutes(app, ctx);
  registerAccountStatisticsRoutes(app, ctx);
  registerScheduledJobRoutes(app, ctx);
}
