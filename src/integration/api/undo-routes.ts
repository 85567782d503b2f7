import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { previewUndo } from '../../sync/undo/undo-job.ts';
import { undoJobLocked } from '../undo-service.ts';
import { engineOrThrow, guid, must, PREFIX } from './shared.ts';

const tags = ['integration: log'];
const admin = { roles: ['admin'] as const };
const params = z.strictObject({ id: guid });

/**
 * Undo of a synchronization job (docs/sync-engine.md, "Undo a job"): the preview reads only and is
 * open to the roles that may synchronize; the undo writes both systems and is for admins.
 */
export function registerUndoRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    `${PREFIX}/jobs/:id/undo/preview`,
    {
      schema: {
        tags,
        summary:
          'What undoing the job would do: fields restored, fields left as they are (changed since), records deleted or deactivated, records re-created; writes nothing',
        params,
      },
    },
    async (req) => must(await previewUndo(await engineOrThrow(ctx), req.params.id)),
  );
  r.post(
    `${PREFIX}/jobs/:id/undo`,
    {
      config: admin,
      schema: {
        tags,
        summary:
          'Undo the job as a job of its own: restore the values it wrote where nobody changed them since, delete (or deactivate) and uncouple the records it created, re-create and re-couple the records it deleted',
        params,
      },
    },
    async (req) => must(await undoJobLocked(ctx.db, await engineOrThrow(ctx), req.params.id)),
  );
}
