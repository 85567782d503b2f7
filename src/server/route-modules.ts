import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { registerErpRoutes } from '../erp/api/routes.ts';
import { registerOutboundFlowRoutes } from '../flows/outbound-routes.ts';
import { registerQuoteRoutes } from '../flows/quotes/routes.ts';
import { registerSalesOrderRoutes } from '../flows/sales-orders/routes.ts';
import { registerIntegrationRoutes } from '../integration/api/routes.ts';
import { registerWebUi } from '../web/routes.ts';
import { registerAuthRoutes } from './auth/routes.ts';
import { registerUserRoutes } from './auth/user-routes.ts';
import { webAuthFor } from './auth/web-auth.ts';
import { registerHealthRoutes } from './health-routes.ts';
import { registerMetricsRoute } from './metrics-route.ts';

/** A part's HTTP surface: registers its routes on the main server. */
export type RouteModule = (app: FastifyInstance, ctx: AppContext) => void | Promise<void>;

/**
 * Every part's routes, in registration order. Parts add one line here (ERP API, integration API,
 * web UI…); the server itself knows nothing else about them.
 */
export const routeModules: readonly RouteModule[] = [
  registerHealthRoutes,
  registerMetricsRoute,
  registerAuthRoutes,
  registerUserRoutes,
  registerErpRoutes,
  registerIntegrationRoutes,
  registerSalesOrderRoutes,
  registerQuoteRoutes,
  (app, ctx) => registerWebUi(app, ctx, webAuthFor(ctx)),
  registerOutboundFlowRoutes,
];
