import { randomBytes, randomUUID } from 'node:crypto';
import {
  type CrmEmulatorOptions,
  type RunningCrmEmulator,
  startCrmEmulator,
} from '../../src/crm-emulator/server.ts';
import type { Db } from '../../src/db/db.ts';
import { createLogger } from '../../src/shared/logger.ts';

/**
 * Starts the CRM emulator on a random loopback port over a migrated test database, with one
 * application user whose credentials are returned.
 */
export async function startTestCrmEmulator(
  db: Db,
  options: Partial<CrmEmulatorOptions> = {},
): Promise<RunningCrmEmulator & { clientId: string; clientSecret: string }> {
  const clientId = randomUUID();
  const clientSecret = `secret-${randomUUID()}`;
  const emulator = await startCrmEmulator({
    db,
    port: 0,
    logger: createLogger('silent'),
    ...options,
    clients: [{ clientId, clientSecret, name: 'Kobling Test' }, ...(options.clients ?? [])],
  });
  return Object.assign(emulator, { clientId, clientSecret });
}

/** Gets a token from the emulator's token endpoint (client credentials). */
export async function crmToken(
  emulator: RunningCrmEmulator,
  clientId: string,
  clientSecret: string,
): Promise<string> {
  const res = await fetch(emulator.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      scope: `${emulator.baseUrl}/.default`,
    }),
  });
  if (res.status !== 200)
    throw new Error(`token request failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** An application user to register with the emulator: a new client id and secret. */
export const newAppClient = (name: string) => ({
  clientId: randomUUID(),
  clientSecret: randomBytes(24).toString('base64url'),
  name,
});

/**
 * The emulator as the whole-system fixtures use it: two application users, the integration and a
 * salesperson's app, and EUR as the organization's base currency (the ERP's local currency).
 */
export async function startIntegrationEmulator(db: Db) {
  const integration = newAppClient('Kobling integration');
  const salesperson = newAppClient('Sales app');
  const emulator = await startCrmEmulator({
    db,
    port: 0,
    logger: createLogger('silent'),
    clients: [integration, salesperson],
    baseCurrency: { code: 'EUR', name: 'Euro', symbol: '€' },
  });
  return { emulator, integration, salesperson };
}

/** What an admin enters in Connection setup to reach this emulator as `client`. */
export const connectionSettings = (
  emulator: { readonly baseUrl: string; readonly authority: string; readonly tenantId: string },
  client: { readonly clientId: string; readonly clientSecret: string },
) => ({
  crmUrl: emulator.baseUrl,
  authorityUrl: emulator.authority,
  tenantId: emulator.tenantId,
  clientId: client.clientId,
  clientSecret: client.clientSecret,
});
