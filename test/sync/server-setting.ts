import { after, before } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

/**
 * The sync fixture behind a test server (its secret key set) and an admin's token, connected to
 * the fixture's CRM emulator unless `connect` is false: started before the file's tests and
 * closed after them. Its fields are set once the file's `before` has run.
 */
export function serverSetting(options: { connect?: boolean } = {}) {
  const s = {} as { fx: SyncFixture; server: TestServer; admin: string };
  before(async () => {
    s.fx = await startSyncFixture();
    s.server = await startTestServer(s.fx.db, undefined, { KOBLING_SECRET_KEY: 'k'.repeat(40) });
    if (options.connect !== false) await s.fx.connect(s.server.ctx.config);
    s.admin = await s.server.tokenFor('admin');
  });
  after(async () => {
    await s.server?.close();
    await s.fx?.close();
  });
  return s;
}
