import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { crmHealth } from '../health/crm-health.ts';
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
          'Every mapping with its last run, failures in a row, failed and skipped records, open record errors, ERP backlog and lag; warnings: the CRM not answering (as /ready), a failed last pass, mappings that keep failing or are overdue',
      },
    },
    async () => integrationStatus(ctx.db, ctx.clock, await crmHealth({ ...ctx })),
  );
}
