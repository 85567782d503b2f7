import type { CrmEmulatorOptions } from '../../src/crm-emulator/server.ts';
import { DataverseClient, type DataverseClientOptions } from '../../src/dataverse/client.ts';
import { clientCredentialsProvider } from '../../src/dataverse/token-provider.ts';
import { startTestCrmEmulator } from '../helpers/crm-emulator.ts';
import { createMigratedDb } from '../helpers/database.ts';

/** A fresh database, a running CRM emulator on loopback, and a client logged in to it. */
export async function startFixture(
  options: Partial<DataverseClientOptions> = {},
  emulator: Partial<CrmEmulatorOptions> = {},
) {
  const db = await createMigratedDb('dv');
  const crm = await startTestCrmEmulator(db, emulator);
  const tokenProvider = clientCredentialsProvider({
    tokenUrl: crm.tokenUrl,
    clientId: crm.clientId,
    clientSecret: crm.clientSecret,
    scope: `${crm.baseUrl}/.default`,
  });
  const client = new DataverseClient({
    orgUrl: crm.baseUrl,
    tokenProvider,
    retry: { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 1000 },
    ...options,
  });
  return {
    db,
    crm,
    client,
    async stop() {
      await crm.stop();
      await db.drop();
    },
  };
}

export type Fixture = Awaited<ReturnType<typeof startFixture>>;
