import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { PgBoss } from '../../db/job-queue.ts';
import { AppError } from '../../shared/errors.ts';
import '../errors.ts';
import {
  restartFailedLines,
  restartLine,
  reviewLines,
  startFullSync,
} from '../full-sync/full-sync-service.ts';
import { openReview } from '../full-sync/review.ts';
import { answeredLine } from '../full-sync/review-messages.ts';
import { registerFullSyncStopRoute } from './full-sync-stop-route.ts';
import { depsOf, mappingName, must, PREFIX } from './shared.ts';

const tags = ['integration: full synchronization'];

const admin = { roles: ['admin'] as const };

function bossOf(ctx: AppContext): PgBoss {
  if (!ctx.boss)
    throw new AppError(
      'job_queue_unavailable',
      'This server runs no job queue; start it with `kobling start` so workers can run the full synchronization',
    );
  return ctx.boss;
}

/**
 * Full synchronization review: lines with recommendation, status and progress; start; stop of a
 * line; restart of a line or of every failed line.
 */
export function registerFullSyncRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    `${PREFIX}/fullSync`,
    {
      schema: {
        tags,
        summary:
          'The review lines: recommendation, direction, both counts, status (Pending, Queued, Running, Finished, FinishedWithErrors — its passes ended but `counters.failed` records failed; its children went on —, Failed — a pass failed; its children wait —, NotNeeded, Stopped — stopped by hand; its children wait, a restart continues it; a Running line with `stopRequestedAt` is stopping), progress (records done of `expectedTotal` — what the line is expected to handle, from both counts until the engine reports its `total`, the records handled once done — and counters), message, what each waits for. `recount=true` counts both sides of every line not at work again first; before the first *Start* (no line stored) it answers the lines *Start* would write, status NotStarted, counted now and stored nowhere (nothing queued), or the failed count as an error; once lines are stored, a count that fails (the CRM down) leaves them with their earlier counts and answers them with `countsRefreshed: false` and a `warning` saying why ("Counts not refreshed: the CRM at host:port is not reachable (ECONNREFUSED); …"), `countsRefreshed: true` when every line was counted; a plain GET counts nothing and answers only stored lines (none before the first *Start*)',
        querystring: z.object({ recount: z.enum(['true', 'false']).optional() }).strict(),
      },
    },
    // Counting is a request per mapping on each side: asked for, not paid by every progress poll.
    async (req) => {
      if (req.query.recount !== 'true')
        return { value: (await reviewLines(depsOf(ctx))).map(answeredLine) };
      const { lines, countsRefreshed, warning } = must(await openReview(depsOf(ctx)));
      return { value: lines.map(answeredLine), countsRefreshed, ...(warning ? { warning } : {}) };
    },
  );
  r.post(
    `${PREFIX}/fullSync/start`,
    {
      config: admin,
      schema: {
        tags,
        summary:
          'Generate the lines and start every line whose parents are done; the rest start as their parents finish. 202 when lines were queued; 200 with `queued: []` and the reason in `message` when there was nothing to start',
      },
    },
    async (_req, reply) => {
      const started = must(await startFullSync(depsOf(ctx), bossOf(ctx)));
      // Accepted (202) only when something was handed to the workers; otherwise the answer says why.
      return reply.status(started.queued.length > 0 ? 202 : 200).send({
        queued: started.queued,
        message: started.message,
        value: started.lines.map(answeredLine),
      });
    },
  );
  r.post(
    `${PREFIX}/fullSync/lines/:mapping/restart`,
    {
      config: admin,
      schema: {
        tags,
        summary:
          'Restart a failed, finished (with or without failed records) or stopped line — a stopped one continues where it stopped — (it starts when its parents are done), and its dependent lines that failed or had failed records (they start when it has finished)',
        params: z.strictObject({ mapping: mappingName }),
      },
    },
    async (req, reply) => {
      const r2 = must(await restartLine(depsOf(ctx), bossOf(ctx), req.params.mapping));
      return reply.status(202).send({
        queued: r2.queued,
        dependents: r2.dependents,
        message: r2.message,
        line: answeredLine(r2.line),
      });
    },
  );
  registerFullSyncStopRoute(app, ctx);
  r.post(
    `${PREFIX}/fullSync/restartFailed`,
    {
      config: admin,
      schema: {
        tags,
        summary:
          'Restart every failed line and every line that finished with failed records (409 no_failed_lines when there is none); children waiting on them follow as they finish',
      },
    },
    async (_req, reply) => {
      const r2 = must(await restartFailedLines(depsOf(ctx), bossOf(ctx)));
      return reply.status(202).send({
        restarted: r2.restarted,
        queued: r2.queued,
        message: r2.message,
        value: r2.lines.map(answeredLine),
      });
    },
  );
}
