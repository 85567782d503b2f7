import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { integrationStatus } from '../status/mapping-status.ts';
import { PREFIX } from './shared.ts';

/** The integration's health on one page: every mapping's state, lag, last run and warnings. */
export function registerStatusRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    `${PREFIX}/status`,
    {
      schema: {
        tags: ['integration: log'],
        summary:
          'Every mapping with its last run, failures in a row, open errors, ERP backlog and lag; warnings for mappings that keep failing or are overdue',
      },
    },
    () => integrationStatus(ctx.db, ctx.clock),
  );
}
