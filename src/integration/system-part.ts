import '../sync/errors.ts';
import './errors.ts';
import type { AppContext } from '../app/context.ts';
import type { SystemPart } from '../app/system-part.ts';
import { ensureQueue } from '../db/job-queue.ts';
import { readConnection } from '../sync/connection/connection-repo.ts';
import { enableConnection, saveConnection } from './connection-service.ts';
import { coupleDemoOnFirstStart } from './demo-coupling.ts';
import { fullSyncJob } from './full-sync/full-sync-job.ts';
import { startRealtime } from './realtime/realtime-service.ts';
import { SYNC_SCHEDULER_QUEUE, syncJobs } from './sync-jobs.ts';
import { openEngine } from './sync-runtime.ts';

const deps = (ctx: AppContext) => ({
  db: ctx.db,
  config: ctx.config,
  logger: ctx.logger,
  clock: ctx.clock,
});

/**
 * The integration as a part of the running system: its jobs (mapping runs and the scheduler) and,
 * on `kobling start`, the minute schedule plus — for the demo — a connection to the bundled CRM
 * emulator when none is set up yet.
 */
export const syncPart: SystemPart = {
  name: 'sync',
  jobs: (ctx) => [...syncJobs(deps(ctx), ctx.boss), fullSyncJob(deps(ctx), ctx.boss)],
  async startBackground(ctx) {
    if (!ctx.config.realtime.enabled) return { stop: async () => {} };
    return startRealtime(
      { ...deps(ctx), clock: ctx.clock },
      { pollMs: ctx.config.realtime.pollMs },
    );
  },
  seedDemo: (ctx) =>
    coupleDemoOnFirstStart(ctx.db, ctx.logger, async () => {
      const engine = await openEngine(deps(ctx));
      return engine.ok ? engine.value : undefined;
    }),
  async startService(ctx, started) {
    const lines: string[] = [];
    if (ctx.boss) {
      await ensureQueue(ctx.boss, SYNC_SCHEDULER_QUEUE);
      await ctx.boss.schedule(SYNC_SCHEDULER_QUEUE, '* * * * *', {});
    }
    const emulator = started.get('crm-emulator')?.details as
      | {
          clientId?: string;
          clientSecret?: string;
          baseUrl?: string;
          apiUrl?: string;
          authority?: string;
          tenantId?: string;
        }
      | undefined;
    const connection = await readConnection(ctx.db);
    const secret = emulator?.clientSecret ?? ctx.config.crmEmulator.clientSecret;
    if (!connection.crmUrl && emulator?.clientId && secret) {
      const baseUrl = emulator.baseUrl ?? emulator.apiUrl?.replace(/\/api\/data\/v9\.2\/?$/, '');
      if (baseUrl) {
        await saveConnection(deps(ctx), {
          crmUrl: baseUrl,
          authorityUrl: emulator.authority ?? null,
          tenantId: emulator.tenantId,
          clientId: emulator.clientId,
          clientSecret: secret,
        });
        const enabled = await enableConnection(deps(ctx));
        lines.push(
          enabled.ok
            ? `Integration   connected to the CRM emulator, ${enabled.value.createdMappings} default mappings created`
            : `Integration   not enabled: ${enabled.error.message}`,
        );
      }
    } else {
      lines.push(
        `Integration   ${connection.enabled ? `enabled (${connection.crmUrl})` : 'not enabled (set it up in /api/integration/v1/connection)'}`,
      );
    }
    return { lines, stop: async () => {} };
  },
};
