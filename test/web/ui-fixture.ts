import { after, before } from 'node:test';
import { seedDemoCompany } from '../../src/erp/demo/seed-demo.ts';
import { enableConnection, saveConnection } from '../../src/integration/connection-service.ts';
import { createUser, type Role } from '../../src/server/auth/users.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from '../sync/sync-fixture.ts';
import { logIn, openBrowser, type TestBrowser } from './browser.ts';

export const PASSWORD = 'correct horse battery';

/**
 * The whole system for browser tests: demo ERP company, CRM emulator, the real HTTP server with
 * the web UI, and users of each role (password PASSWORD).
 */
export async function startUiFixture(options: { connect?: boolean } = {}) {
  const fx: SyncFixture = await startSyncFixture();
  const seeded = await seedDemoCompany(fx.db);
  if (!seeded.ok) throw new Error(seeded.error.message);
  const server: TestServer = await startTestServer(fx.db, undefined, {
    KOBLING_SECRET_KEY: 'w'.repeat(40),
  });
  const deps = { db: fx.db, config: server.ctx.config, logger: server.ctx.logger };
  const connection = fx.connection;
  if (options.connect !== false) {
    await saveConnection(deps, connection);
    const enabled = await enableConnection(deps);
    if (!enabled.ok) throw new Error(enabled.error.message);
  }
  const users: Record<Role, string> = { admin: '', orderProcessor: '', readOnly: '' };
  for (const role of Object.keys(users) as Role[]) {
    const username = `ui-${role.toLowerCase()}`;
    const u = await createUser(fx.db, { username, password: PASSWORD, role });
    if (!u.ok) throw new Error(u.error.message);
    users[role] = username;
  }
  return {
    fx,
    server,
    db: fx.db,
    baseUrl: server.baseUrl,
    users,
    connection,
    async close() {
      await server.close();
      await fx.close();
    },
  };
}

export type UiFixture = Awaited<ReturnType<typeof startUiFixture>>;

/**
 * Registers a browser test file's hooks: before its tests the UI fixture starts and an admin logs
 * in with a browser of their own (nothing starts when `skip` says why the browser cannot run);
 * after them both close. The returned objects take their fields once `before` has run, so tests
 * read them inside test bodies only.
 */
export function useAdminSession(
  skip: string | undefined,
  options: { connect?: boolean } = {},
): { ui: UiFixture; admin: TestBrowser } {
  const ui = {} as UiFixture;
  const admin = {} as TestBrowser;
  before(async () => {
    if (skip) return;
    Object.assign(ui, await startUiFixture(options));
    Object.assign(admin, await openBrowser());
    await logIn(admin.page, ui.baseUrl, ui.users.admin, PASSWORD);
  });
  after(async () => {
    // Absent when a start failed or was skipped: that failure is the one to report.
    await (admin as Partial<TestBrowser>).close?.();
    await (ui as Partial<UiFixture>).close?.();
  });
  return { ui, admin };
}
