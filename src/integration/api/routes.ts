import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { registerConflictRoutes } from './conflict-routes.ts';
import { registerConnectionRoutes } from './connection-routes.ts';
import { registerCouplingRoutes } from './coupling-routes.ts';
import { registerFullSyncRoutes } from './full-sync-routes.ts';
import { registerLogRoutes } from './log-routes.ts';
import { registerMappingRoutes } from './mapping-routes.ts';
import { registerPreviewRoutes } from './preview-routes.ts';
import { registerStatusRoutes } from './status-routes.ts';
import { registerUndoRoutes } from './undo-routes.ts';

/** The integration API under /api/integration/v1 (see README and docs/sync-engine.md). */
export function registerIntegrationRoutes(app: FastifyInstance, ctx: AppContext): void {
  registerConnectionRoutes(app, ctx);
  registerMappingRoutes(app, ctx);
  registerCouplingRoutes(app, ctx);
  registerLogRoutes(app, ctx);
  registerStatusRoutes(app, ctx);
  registerFullSyncRoutes(app, ctx);
  registerUndoRoutes(app, ctx);
  registerPreviewRoutes(app, ctx);
  registerConflictRoutes(app, ctx);
}
