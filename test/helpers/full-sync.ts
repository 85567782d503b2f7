import assert from 'node:assert/strict';
import { type PgBoss, startJobQueue, startWorkers } from '../../src/db/job-queue.ts';
import { fullSyncJob } from '../../src/integration/full-sync/full-sync-job.ts';
import { type ReviewLine, reviewLines } from '../../src/integration/full-sync/full-sync-service.ts';
import { buildServer } from '../../src/server/app.ts';
import { createApiToken } from '../../src/server/auth/credentials.ts';
import { createUser } from '../../src/server/auth/users.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { type SyncFixture, startSyncFixture } from '../sync/sync-fixture.ts';
import { testConfig } from './server.ts';

/**
 * A full synchronization's setting: the sync fixture connected with `secretKey`, what `seed` adds
 * (customers, accounts from before the integration), a job queue and, unless `workers` is false,
 * two full-synchronization workers in this process.
 */
export async function startFullSyncSetting(options: {
  secretKey: string;
  seed?: (fx: SyncFixture) => Promise<void>;
  workers?: boolean;
  /** Waits before a stopped pass runs again (`PASS_RETRY_DELAYS_MS`); short unless given. */
  passRetryDelaysMs?: readonly number[];
}) {
  const fx = await startSyncFixture();
  const logger = createLogger('silent');
  const deps = {
    db: fx.db,
    config: testConfig({ KOBLING_SECRET_KEY: options.secretKey }),
    logger,
    passRetryDelaysMs: options.passRetryDelaysMs ?? [100, 100],
  };
  let boss: PgBoss | undefined;
  try {
    await fx.connect(deps.config);
    await options.seed?.(fx);
    boss = await startJobQueue(fx.db, logger);
    if (options.workers !== false)
      // The queue's own polling interval, as in production (its definition sets it).
      await startWorkers(boss, [fullSyncJob(deps, boss)], { concurrency: 2, logger });
  } catch (e) {
    await boss?.stop({ graceful: false, wait: true });
    await fx.close();
    throw e;
  }
  const queue = boss;
  return {
    fx,
    deps,
    boss: queue,
    async close() {
      await queue.stop({ graceful: false, wait: true });
      await fx.close();
    },
  };
}

export type FullSyncSetting = Awaited<ReturnType<typeof startFullSyncSetting>>;

/** The server (API and web pages) on a setting's database and job queue, not listening yet. */
export const settingServer = (t: FullSyncSetting) =>
  buildServer({
    config: t.deps.config,
    db: t.fx.db,
    logger: t.deps.logger,
    clock: systemClock,
    boss: t.boss,
  });

/** A setting's server, and an API token of a new user with the given role. */
export async function settingServerWithUser(
  t: FullSyncSetting,
  username: string,
  role: 'readOnly' | 'admin',
) {
  const app = await settingServer(t);
  const user = await createUser(t.fx.db, { username, password: 'correct horse battery', role });
  assert.ok(user.ok);
  return { app, token: await createApiToken(t.fx.db, user.value.id) };
}

/**
 * Waits until the full synchronization has settled: nothing queued or running, and no pending line
 * that could start (a line that just finished hands its children to the workers a moment later).
 * `tick` runs before each look (e.g. what the scheduler does every minute); `describe` says what
 * the lines were when it gives up.
 */
export async function settledLines(
  deps: Parameters<typeof reviewLines>[0],
  options: {
    timeoutMs?: number;
    pollMs?: number;
    tick?: () => Promise<unknown>;
    describe?: (lines: readonly ReviewLine[]) => string;
  } = {},
): Promise<ReviewLine[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const describe =
    options.describe ?? ((lines) => JSON.stringify(lines.map((l) => [l.mapping, l.status])));
  for (;;) {
    await options.tick?.();
    const lines = await reviewLines(deps);
    if (
      lines.every(
        (l) =>
          !['Queued', 'Running'].includes(l.status) &&
          (l.status !== 'Pending' || l.waitingFor.length > 0),
      )
    )
      return lines;
    if (Date.now() > deadline) assert.fail(`not settled: ${describe(lines)}`);
    await new Promise((r) => setTimeout(r, options.pollMs ?? 300));
  }
}
