import { crmPort } from '../../src/integration/adapters/crm-port.ts';
import { erpPort } from '../../src/integration/adapters/erp-port.ts';
import { saveConnection } from '../../src/integration/connection-service.ts';
import { integrationExtensions } from '../../src/integration/sync-runtime.ts';
import type { Config } from '../../src/shared/config.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { setConnectionState } from '../../src/sync/connection/connection-repo.ts';
import type { EngineContext } from '../../src/sync/engine/context.ts';
import { defaultMappings } from '../../src/sync/mappings/default-mappings.ts';
import { listMappings, saveMapping } from '../../src/sync/mappings/mapping-repo.ts';
import type { TableMapping } from '../../src/sync/model.ts';
import { crmClientFor } from '../helpers/crm-client.ts';
import { connectionSettings, startIntegrationEmulator } from '../helpers/crm-emulator.ts';
import { createMigratedDb } from '../helpers/database.ts';

/**
 * The whole integration over real parts: a migrated database (ERP, CRM emulator and integration
 * schemas), the CRM emulator on a loopback port, the Dataverse connector as the integration user,
 * and a second CRM client playing a salesperson who edits records in Dynamics 365 Sales.
 */
export async function startSyncFixture() {
  const db = await createMigratedDb('sync');
  const logger = createLogger('silent');
  const { emulator, integration, salesperson } = await startIntegrationEmulator(db);
  const client = crmClientFor(emulator, integration);
  const user = crmClientFor(emulator, salesperson);
  for (const [i, m] of defaultMappings({
    ownershipModel: 'Person',
    unitGroupMapping: true,
    salesOrderIntegration: true,
  }).entries()) {
    await saveMapping(db, m, i + 1);
  }
  const mappings = new Map((await listMappings(db)).map((m) => [m.name, m]));
  const crm = crmPort(client);
  const ctx: EngineContext = {
    db,
    erp: erpPort(db),
    crm,
    logger,
    mappings,
    extensions: integrationExtensions(db, crm),
  };
  return {
    db,
    emulator,
    client,
    /** The integration's application user credentials. */
    credentials: integration,
    /** What an admin enters in Connection setup for this emulator and the integration user. */
    connection: connectionSettings(emulator, integration),
    /** A CRM client acting as a salesperson (not the integration user). */
    user,
    /** The salesperson's application user credentials. */
    salespersonCredentials: salesperson,
    ctx,
    mapping: (name: string): TableMapping => mappings.get(name)!,
    /** Replaces a mapping's settings (as an admin editing it) and refreshes the context. */
    async setMapping(m: TableMapping) {
      await saveMapping(db, m);
      mappings.set(m.name, m);
    },
    /**
     * Makes this emulator (or the one at `at`) the integration's CRM connection, its secret sealed
     * with `config`'s key, and enables it: what an admin does before runs on the workers or the CLI.
     */
    async connect(
      config: Config,
      at: { readonly baseUrl: string; readonly authority: string } = emulator,
    ) {
      await saveConnection(
        { db, config, logger },
        connectionSettings({ ...at, tenantId: emulator.tenantId }, integration),
      );
      await setConnectionState(db, { enabled: true });
    },
    async close() {
      await emulator.stop();
      await db.drop();
    },
  };
}

export type SyncFixture = Awaited<ReturnType<typeof startSyncFixture>>;
