import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import '../errors.ts';
import { answeredLine } from '../full-sync/review-messages.ts';
import { stopLine } from '../full-sync/stop-line.ts';
import { depsOf, mappingName, must, PREFIX } from './shared.ts';

/**
 * `POST …/fullSync/lines/{mapping}/stop`: stops a pending, queued or running line (see
 * `stopLine`). 200 with the line `Stopped` when no worker ran it; 202 with it still `Running`
 * (`stopRequestedAt` set) when its worker stops it between two chunks; 404 for a mapping without
 * a line, 409 line_not_stoppable for one that is done, failed, stopped or stopping already.
 */
export function registerFullSyncStopRoute(app: FastifyInstance, ctx: AppContext): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    `${PREFIX}/fullSync/lines/:mapping/stop`,
    {
      config: { roles: ['admin'] as const },
      schema: {
        tags: ['integration: full synchronization'],
        summary:
          "Stop a pending, queued or running line: 200 and `stopped: true` when no worker ran it (it is Stopped now); 202 and `stopped: false` when it runs — its worker ends its passes between two chunks (what it sent stays written and coupled, the watermarks at what it wrote) and marks it Stopped with who stopped it and how far it got. Its children keep waiting, the mapping's regular job is no longer held; restart (POST …/restart) continues it where it stopped. 404 for a mapping without a line; 409 line_not_stoppable for a line that is finished, failed, not needed, stopped or already stopping",
        params: z.strictObject({ mapping: mappingName }),
      },
    },
    async (req, reply) => {
      const by = req.user?.username ?? 'api';
      const r = must(await stopLine(depsOf(ctx), req.params.mapping, by));
      return reply.status(r.stopped ? 200 : 202).send({
        stopped: r.stopped,
        message: r.message,
        line: answeredLine(r.line),
      });
    },
  );
}
