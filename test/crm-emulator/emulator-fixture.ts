import { after, before } from 'node:test';
import type { CrmEmulatorOptions } from '../../src/crm-emulator/server.ts';
import { startTestCrmEmulator } from '../helpers/crm-emulator.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { type ApiClient, apiClient } from './api-client.ts';

export interface EmulatorFixture {
  db: Awaited<ReturnType<typeof createMigratedDb>>;
  emulator: Awaited<ReturnType<typeof startTestCrmEmulator>>;
  api: ApiClient;
}

/**
 * Registers the file's before/after hooks: a migrated CRM database, the emulator over it and a
 * token-holding Web API caller. The returned object is filled once `before` has run, so tests read
 * its fields inside test bodies only. `seed` runs in the same hook: a second top-level `before` of
 * the file would not wait for this one under Node 20.
 */
export function useCrmEmulator(
  options: Partial<CrmEmulatorOptions> = {},
  seed?: (fixture: EmulatorFixture) => Promise<void> | void,
): EmulatorFixture {
  const fixture = {} as EmulatorFixture;
  before(async () => {
    fixture.db = await createMigratedDb('crm');
    fixture.emulator = await startTestCrmEmulator(fixture.db, options);
    fixture.api = await apiClient(fixture.emulator);
    await seed?.(fixture);
  });
  after(async () => {
    await fixture.emulator.stop();
    await fixture.db.drop();
  });
  return fixture;
}
