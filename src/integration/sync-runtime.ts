import {
  clientCredentialsProvider,
  DataverseClient,
  msalProvider,
  type TokenProvider,
} from '../dataverse/index.ts';
import type { Db } from '../db/db.ts';
import type { Clock } from '../shared/clock.ts';
import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/logger.ts';
import { failure, ok, type Result } from '../shared/result.ts';
import { shutdownSignal } from '../shared/stopping.ts';
import { readConnection } from '../sync/connection/connection-repo.ts';
import { secretBox } from '../sync/connection/secret-box.ts';
import { resolveSecretKey } from '../sync/connection/secret-key.ts';
import type { EngineContext } from '../sync/engine/context.ts';
import { listMappings } from '../sync/mappings/mapping-repo.ts';
import type { CrmPort } from '../sync/ports.ts';
import { crmPort } from './adapters/crm-port.ts';
import { erpPort } from './adapters/erp-port.ts';
import { productPriceListExtension } from './adapters/product-price-list.ts';
import { dataverseMetrics } from './metrics/registry.ts';

export interface SyncDeps {
  readonly db: Db;
  readonly config: Config;
  readonly logger: Logger;
  readonly clock?: Clock;
}

/** The connection's settings with the secret opened, for building a client. */
export interface ClientSettings {
  readonly crmUrl: string;
  readonly authorityUrl: string | null;
  readonly tenantId: string | null;
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * The token provider for a connection: MSAL against Entra ID for https authorities (real orgs),
 * plain OAuth2 client credentials for a loopback authority such as the CRM emulator.
 */
export function tokenProviderFor(s: ClientSettings): TokenProvider {
  const scope = `${s.crmUrl.replace(/\/+$/, '')}/.default`;
  const authority =
    s.authorityUrl ?? `https://login.microsoftonline.com/${s.tenantId ?? 'organizations'}`;
  if (authority.startsWith('https://')) {
    return msalProvider({
      tenantId: s.tenantId ?? 'organizations',
      clientId: s.clientId,
      clientSecret: s.clientSecret,
      authority,
      scope,
    });
  }
  return clientCredentialsProvider({
    tokenUrl: `${authority.replace(/\/+$/, '')}/oauth2/v2.0/token`,
    clientId: s.clientId,
    clientSecret: s.clientSecret,
    scope,
  });
}

/** Opens the stored connection's settings (the secret decrypted in memory only). */
export async function clientSettings(deps: SyncDeps): Promise<Result<ClientSettings>> {
  return settingsOf(await readConnection(deps.db), deps);
}

/** The settings of a connection as given (e.g. one about to be saved), the secret opened. */
export function settingsOf(
  c: {
    crmUrl: string | null;
    authorityUrl: string | null;
    tenantId: string | null;
    clientId: string | null;
    sealedSecret: string | null;
  },
  deps: Pick<SyncDeps, 'config'>,
): Result<ClientSettings> {
  if (!c.crmUrl || !c.clientId || !c.sealedSecret) {
    return failure(
      'connection_incomplete',
      'Set the Dynamics 365 Sales URL, client id and client secret first',
    );
  }
  let clientSecret: string;
  try {
    clientSecret = secretBox(resolveSecretKey(deps.config.secretKey, deps.config.dataDir)).open(
      c.sealedSecret,
    );
  } catch {
    return failure(
      'secret_unreadable',
      'The stored client secret cannot be decrypted with the configured key; enter it again',
    );
  }
  return ok({
    crmUrl: c.crmUrl,
    authorityUrl: c.authorityUrl,
    tenantId: c.tenantId,
    clientId: c.clientId,
    clientSecret,
  });
}

const clients = new Map<string, DataverseClient>();

/** One client per connection setting set, so tokens and the throttle are shared in a process. */
export function dataverseClientFor(s: ClientSettings, logger: Logger): DataverseClient {
  const key = JSON.stringify([s.crmUrl, s.authorityUrl, s.tenantId, s.clientId, s.clientSecret]);
  let client = clients.get(key);
  if (!client) {
    client = new DataverseClient({
      orgUrl: s.crmUrl,
      tokenProvider: tokenProviderFor(s),
      logger,
      metrics: dataverseMetrics,
    });
    clients.set(key, client);
  }
  return client;
}

/** Builds what a synchronization run needs from the stored, enabled connection. */
export async function openEngine(
  deps: SyncDeps,
  options: { requireEnabled?: boolean } = {},
): Promise<Result<EngineContext>> {
  const c = await readConnection(deps.db);
  if (options.requireEnabled !== false && !c.enabled) {
    return failure('connection_disabled', 'The Dynamics 365 Sales connection is not enabled');
  }
  const settings = await clientSettings(deps);
  if (!settings.ok) return settings;
  const client = dataverseClientFor(settings.value, deps.logger);
  const mappings = new Map((await listMappings(deps.db)).map((m) => [m.name, m]));
  const crm = crmPort(client);
  return ok({
    db: deps.db,
    erp: erpPort(deps.db),
    crm,
    logger: deps.logger,
    ...(deps.clock ? { clock: deps.clock } : {}),
    mappings,
    extensions: integrationExtensions(deps.db, crm),
    signal: shutdownSignal,
  });
}

/** What the integration adds around CRM creates and updates, by CRM table (see CrmWriteExtension). */
export const integrationExtensions = (db: Db, crm: CrmPort) => ({
  product: productPriceListExtension(db, crm),
});
