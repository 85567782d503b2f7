import type { CrmEmulatorOptions } from '../../src/crm-emulator/server.ts';
import { startTestCrmEmulator } from '../helpers/crm-emulator.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { apiClient } from './api-client.ts';

/** A migrated CRM database, the emulator over it and a token-holding Web API caller. */
export async function startEmulatorFixture(options: Partial<CrmEmulatorOptions> = {}) {
  const db = await createMigratedDb('crm');
  const emulator = await startTestCrmEmulator(db, options);
  const api = await apiClient(emulator);
  return {
    db,
    emulator,
    api,
    async close() {
      await emulator.stop();
      await db.drop();
    },
  };
}

export type EmulatorFixture = Awaited<ReturnType<typeof startEmulatorFixture>>;

/**
 * The file's before/after hooks for the emulator fixture (test/helpers/use-fixture.ts): its fields
 * are there once `before` has run, then `seed` ran.
 */
export const useCrmEmulator = (
  options: Partial<CrmEmulatorOptions> = {},
  seed?: (fixture: EmulatorFixture) => Promise<void> | void,
): EmulatorFixture => useFixture(() => startEmulatorFixture(options), seed);
