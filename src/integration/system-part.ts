import '../sync/errors.ts';
import './errors.ts';
import type { AppContext } from '../app/context.ts';
import type { SystemPart } from '../app/system-part.ts';
import { ensureQueue } from '../db/job-queue.ts';
import { unwrap } from '../shared/errors.ts';
import { readConnection } from '../sync/connection/connection-repo.ts';
import { enableConnection, saveConnection } from './connection-service.ts';
import { coupleDemoOnFirstStart } from './demo-coupling.ts';
import { fullSyncJob } from './full-sync/full-sync-job.ts';
import { startRealtime } from './realtime/realtime-service.ts';
import { integrationLine } from './startup-check.ts';
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
  jobs: (ctx) => [
    ...syncJobs(deps(ctx), ctx.boss),
    fullSyncJob({ ...deps(ctx), fullSyncLines: ctx.fullSyncLines }, ctx.boss),
  ],
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
          organizationId?: string;
        }
      | undefined;
    const connection = await readConnection(ctx.db);
    const secret = emulator?.clientSecret ?? ctx.config.crmEmulator.clientSecret;
    const baseUrl = emulator?.baseUrl ?? emulator?.apiUrl?.replace(/\/api\/data\/v9\.2\/?$/, '');
    if (!connection.crmUrl && emulator?.clientId && secret) {
      if (baseUrl) {
        // A first connection moves nothing, so it cannot be refused.
        unwrap(
          await saveConnection(deps(ctx), {
            crmUrl: baseUrl,
            authorityUrl: emulator.authority ?? null,
            tenantId: emulator.tenantId,
            clientId: emulator.clientId,
            clientSecret: secret,
          }),
        );
        const enabled = await enableConnection(deps(ctx));
        lines.push(
          enabled.ok
            ? `Integration   connected to the CRM emulator, ${enabled.value.createdMappings} default mappings created`
            : `Integration   not enabled: ${enabled.error.message}`,
        );
      }
    } else {
      if (emulator && baseUrl && isEmbeddedEmulatorConnection(connection, emulator, baseUrl)) {
        // The connection the system set up for its own emulator follows it to its new port
        // (KOBLING_CRM_PORT); the org, and so its watermarks, stay the same.
        const moved = await saveConnection(deps(ctx), {
          crmUrl: baseUrl,
          authorityUrl: emulator.authority ?? null,
        });
        if (moved.ok) {
          ctx.logger.info(
            { from: connection.crmUrl, to: baseUrl, notice: moved.value.notice },
            'the connection to the embedded CRM emulator moved to its current address',
          );
          lines.push(
            `Integration   moved from ${connection.crmUrl} to the CRM emulator at ${baseUrl}`,
          );
        } else {
          ctx.logger.warn({ from: connection.crmUrl, to: baseUrl }, moved.error.message);
          lines.push(`Integration   still at ${connection.crmUrl}: ${moved.error.message}`);
        }
      }
      lines.push(await integrationLine(await readConnection(ctx.db)));
    }
    return { lines, stop: async () => {} };
  },
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether the stored connection is the one the system set up for its embedded emulator, at an
 * address it no longer listens on: the emulator's own tenant and application user on a loopback
 * address, and its organization (as last seen there). A connection an admin pointed at a real org
 * (any other host or tenant) or at another emulator (another organization, even with the same
 * application user) never is.
 */
export function isEmbeddedEmulatorConnection(
  c: {
    crmUrl: string | null;
    tenantId: string | null;
    clientId: string | null;
    crmOrganizationId: string | null;
  },
  emulator: { clientId?: string; tenantId?: string; organizationId?: string },
  baseUrl: string,
): boolean {
  if (!c.crmUrl || c.crmUrl.replace(/\/+$/, '') === baseUrl) return false;
  if (!emulator.clientId || c.clientId !== emulator.clientId) return false;
  if (!emulator.tenantId || c.tenantId !== emulator.tenantId) return false;
  if (c.crmOrganizationId && c.crmOrganizationId !== emulator.organizationId) return false;
  try {
    return LOOPBACK.has(new URL(c.crmUrl).hostname.toLowerCase());
  } catch {
    return false;
  }
}
