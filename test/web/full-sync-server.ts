import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createUser } from '../../src/server/auth/users.ts';
import { type FullSyncSetting, settingServer } from '../helpers/full-sync.ts';
import { listenOnLoopback } from '../helpers/server.ts';
import { PASSWORD } from './ui-fixture.ts';

/**
 * The web server over a full synchronization setting, for the review page's browser tests: an
 * admin and a reader (`{prefix}-admin`, `{prefix}-readOnly`, password PASSWORD), the setting's job
 * queue, listening on a loopback port.
 */
export async function serveFullSyncSetting(
  t: FullSyncSetting,
  prefix: string,
): Promise<{ app: FastifyInstance; baseUrl: string }> {
  for (const role of ['admin', 'readOnly'] as const) {
    const u = await createUser(t.fx.db, {
      username: `${prefix}-${role}`,
      password: PASSWORD,
      role,
    });
    assert.ok(u.ok);
  }
  const app = await settingServer(t);
  return { app, baseUrl: await listenOnLoopback(app) };
}
