import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../app/context.ts';
import { connectionPatchSchema, publicConnection } from '../../sync/connection/connection-repo.ts';
import {
  disableConnection,
  enableConnection,
  saveConnection,
  testConnection,
} from '../connection-service.ts';
import { depsOf, must, PREFIX } from './shared.ts';

const tags = ['integration: connection'];
const admin = { roles: ['admin'] as const };

/** The connection setup: read, change (the secret is write-only), test, enable, disable. */
export function registerConnectionRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    `${PREFIX}/connection`,
    {
      schema: {
        tags,
        summary: 'The Dynamics 365 Sales connection setup (never includes the secret)',
      },
    },
    () => publicConnection(ctx.db),
  );
  r.patch(
    `${PREFIX}/connection`,
    {
      config: admin,
      schema: {
        tags,
        summary: 'Change the connection setup; the client secret is stored encrypted',
        body: connectionPatchSchema,
      },
    },
    async (req) => must(await saveConnection(depsOf(ctx), req.body)),
  );
  r.post(
    `${PREFIX}/connection/test`,
    { config: admin, schema: { tags, summary: 'Test the connection' } },
    async () => must(await testConnection(depsOf(ctx))),
  );
  r.post(
    `${PREFIX}/connection/enable`,
    {
      config: admin,
      schema: {
        tags,
        summary:
          'Test, then enable the integration (creates the default mappings when there are none)',
      },
    },
    async () => must(await enableConnection(depsOf(ctx))),
  );
  r.post(
    `${PREFIX}/connection/disable`,
    { config: admin, schema: { tags, summary: 'Disable the integration (scheduled runs stop)' } },
    () => disableConnection(depsOf(ctx)),
  );
}
