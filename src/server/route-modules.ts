import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { registerErpRoutes } from '../erp/api/routes.ts';
import { registerOutboundFlowRoutes } from '../flows/outbound-routes.ts';
import { registerQuoteRoutes } from '../flows/quotes/routes.ts';
import { registerSalesOrderRoutes } from '../flows/sales-orders/routes.ts';
import { registerIntegrationRoutes } from '../integration/api/routes.ts';
import { ERP_INTEGRATION_ACTOR } from '../sync/ports.ts';
import { registerWebUi } from '../web/routes.ts';
import { registerAuthRoutes } from './auth/routes.ts';
import { registerUserRoutes } from './auth/user-routes.ts';
import { webAuthFor } from './auth/web-auth.ts';
import { registerHealthRoutes } from './health-routes.ts';
import { registerMetricsRoute } from './metrics-route.ts';

/**
 * Who an ERP API write is made by: the caller's user name. The integration's own ERP writes are
 * recognized by their actor (src/sync/ports.ts), so a person who happens to be called that is
 * told apart.
 */
const erpActorOf = (request: FastifyRequest): string | undefined => {
  const name = request.user?.username;
  return name === ERP_INTEGRATION_ACTOR ? `user ${name}` : name;
};

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
  (app, ctx) => registerErpRoutes(app, ctx, { actorOf: erpActorOf }),
  registerIntegrationRoutes,
  registerSalesOrderRoutes,
  registerQuoteRoutes,
  (app, ctx) => registerWebUi(app, ctx, webAuthFor(ctx)),
  registerOutboundFlowRoutes,
];
