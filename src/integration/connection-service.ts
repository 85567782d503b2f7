import { type DataverseClient, probeOrganization } from '../dataverse/index.ts';
import type { Queryable } from '../db/db.ts';
import { localCurrency } from '../erp/master-data/currencies.ts';
import { systemClock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import { failure, ok, type Result } from '../shared/result.ts';
import {
  type ConnectionPatch,
  type ConnectionSetup,
  forgetLastTest,
  publicConnection,
  readConnection,
  setConnectionState,
  setOrganizationUnidentified,
  updateConnection,
} from '../sync/connection/connection-repo.ts';
import { secretBox } from '../sync/connection/secret-box.ts';
import { resolveSecretKey } from '../sync/connection/secret-key.ts';
import { defaultMappings } from '../sync/mappings/default-mappings.ts';
import { deleteMapping, listMappings, saveMapping } from '../sync/mappings/mapping-repo.ts';
import { reshapeMappings } from '../sync/mappings/reshape-mappings.ts';
import { type ConnectionProblem, connectionProblem } from './connection-problems.ts';
import {
  adoptOrganization,
  identifyBeforeMove,
  noteOrganization,
  organizationNotice,
  refusedAsFailure,
} from './crm-organization.ts';
import { generateLines } from './full-sync/full-sync-service.ts';
import { resetCrmHealth } from './health/crm-health.ts';
import { clientSettings, dataverseClientFor, type SyncDeps, settingsOf } from './sync-runtime.ts';

/**
 * Stores connection settings; a new client secret is sealed before it touches the database. A
 * new address is first asked which organization it is (crm-organization.ts): the save, and for
 * another organization the move of couplings, lines and watermarks, are one transaction, refused
 * whole while a mapping is being synchronized. `notice` says what the move meant. A change of the
 * address, authority, tenant, client id or secret forgets the last connection test (it tested
 * something else), and an authority on the old address's server moves with it (authorityFollowing).
 */
export async function saveConnection(
  deps: SyncDeps,
  given: ConnectionPatch,
): Promise<Result<ConnectionSetup & { notice?: string }>> {
  const sealed = given.clientSecret
    ? secretBox(resolveSecretKey(deps.config.secretKey, deps.config.dataDir)).seal(
        given.clientSecret,
      )
    : undefined;
  const current = await readConnection(deps.db);
  const authorityUrl = authorityFollowing(current, given);
  const patch = authorityUrl === undefined ? given : { ...given, authorityUrl };
  const planned = {
    crmUrl: patch.crmUrl ?? current.crmUrl,
    authorityUrl: patch.authorityUrl !== undefined ? patch.authorityUrl : current.authorityUrl,
    tenantId: patch.tenantId ?? current.tenantId,
    clientId: patch.clientId ?? current.clientId,
    sealedSecret: sealed ?? current.sealedSecret,
  };
  const identified = await identifyBeforeMove(deps, current, planned, settingsOf(planned, deps));
  const saved = await refusedAsFailure(() =>
    deps.db.transaction(async (tx) => {
      const check = identified?.ok
        ? await adoptOrganization(tx, deps, identified.organizationId, planned.crmUrl)
        : undefined;
      const before = await readConnection(tx);
      await updateConnection(tx, patch, sealed);
      if (identified && !identified.ok)
        await setOrganizationUnidentified(tx, {
          crmUrl: planned.crmUrl,
          reason: identified.reason,
          at: (deps.clock ?? systemClock).now().toISOString(),
        });
      if (sealed || signInOf(before) !== signInOf(await readConnection(tx)))
        await forgetLastTest(tx);
      await reshapeOnSwitches(tx, deps.logger, before, await readConnection(tx));
      return check;
    }),
  );
  if (!saved.ok) return saved;
  // /ready and the status answer about the connection as it is now, not as it was 15 s ago.
  resetCrmHealth();
  const check = saved.value;
  // An organization new to the integration: the review shows today's counts of both sides at once.
  if (check?.kind === 'other' && !check.move.returned) {
    const counted = await generateLines(deps);
    if (!counted.ok)
      deps.logger.warn(
        { code: counted.error.code },
        `the full synchronization review was not counted after the move: ${counted.error.message}`,
      );
  }
  const notice = organizationNotice(planned.crmUrl, identified, check, deps.logger);
  return ok({ ...(await publicConnection(deps.db)), ...(notice ? { notice } : {}) });
}

/** What the connection signs in with and talks to: a change makes the last test stale. */
const signInOf = (c: ConnectionSetup): string =>
  JSON.stringify([c.crmUrl, c.authorityUrl, c.tenantId, c.clientId]);

/**
 * An authority served by the organization's own server (the CRM emulator's `<url>/<tenant>`) moves
 * with the organization's address when only the address is changed: otherwise the token would be
 * asked of the old server, for a resource it does not know. An authority elsewhere (Entra ID,
 * `login.microsoftonline.com`) stays; the token's scope always follows the address
 * (`<crmUrl>/.default`, src/integration/sync-runtime.ts).
 */
export function authorityFollowing(
  current: Pick<ConnectionSetup, 'crmUrl' | 'authorityUrl'>,
  patch: ConnectionPatch,
): string | undefined {
  if (!patch.crmUrl || patch.authorityUrl !== undefined) return undefined;
  if (!current.crmUrl || !current.authorityUrl) return undefined;
  const before = new URL(current.crmUrl).origin;
  const after = new URL(patch.crmUrl).origin;
  if (before === after || !current.authorityUrl.startsWith(before)) return undefined;
  return `${after}${current.authorityUrl.slice(before.length)}`;
}

/**
 * The ownership model and the sales-order switch shape the mappings: when one of them changes
 * after the mappings exist, they are reshaped at once (not left as they were).
 */
async function reshapeOnSwitches(
  db: Queryable,
  logger: Logger,
  before: ConnectionSetup,
  after: ConnectionSetup,
): Promise<void> {
  const current = await listMappings(db);
  if (current.length === 0) return;
  const options = (c: ConnectionSetup) => ({
    ownershipModel: c.ownershipModel,
    unitGroupMapping: c.unitGroupMapping,
    salesOrderIntegration: c.salesOrderIntegration,
    itemAvailability: c.itemAvailability,
  });
  const plan = reshapeMappings(current, options(before), options(after));
  for (const name of plan.remove) await deleteMapping(db, name);
  for (const s of plan.save) await saveMapping(db, s.mapping, s.position);
  if (plan.remove.length + plan.save.length > 0)
    logger.info(
      { removed: plan.remove, saved: plan.save.map((s) => s.mapping.name) },
      'mappings reshaped for the new connection setup',
    );
}

export interface ConnectionTest {
  readonly ok: boolean;
  /** The address the test was run against (a later change of the address clears the test). */
  readonly crmUrl: string;
  /** Something answered at the address itself (asked before any token is requested). */
  readonly reachable: boolean;
  readonly authenticated: boolean;
  readonly version: string | null;
  readonly versionSupported: boolean;
  readonly integrationUserId: string | null;
  /** One short sentence per problem. */
  readonly problems: readonly string[];
  /** The servers' full messages behind the problems (e.g. Entra ID's AADSTS text), if longer. */
  readonly detail: string | null;
  readonly testedAt: string;
}

/** BC's connection setup accepts Dynamics versions above 6, except 7.1. */
export const versionSupported = (v: string | null): boolean => {
  if (!v) return false;
  const [major, minor] = v.split('.').map(Number);
  return (major ?? 0) > 6 && !(major === 7 && minor === 1);
};

/**
 * Tests the connection: the address answers (asked first and on its own, so a refused sign-in at
 * the authority is never taken for a reachable organization), the credentials give a token, WhoAmI
 * names the integration user, that user exists, and the version is supported. Every problem is
 * reported in one short sentence; what the servers said in full is kept in `detail`.
 */
export async function testConnection(deps: SyncDeps): Promise<Result<ConnectionTest>> {
  const settings = await clientSettings(deps);
  if (!settings.ok) return settings;
  const crmUrl = settings.value.crmUrl;
  const client = dataverseClientFor(settings.value, deps.logger);
  const problems: string[] = [];
  const details: string[] = [];
  const note = (p: ConnectionProblem) => {
    problems.push(p.problem);
    if (p.detail) details.push(p.detail);
  };
  let authenticated = false;
  let integrationUserId: string | null = null;
  let version: string | null = null;
  const probe = await probeOrganization(crmUrl);
  const reachable = probe.ok;
  if (!probe.ok) {
    problems.push(`Dynamics 365 Sales at ${crmUrl} is not reachable: ${probe.error.message}`);
  } else {
    const who = await client.whoAmI();
    if (who.ok) {
      authenticated = true;
      integrationUserId = who.value.UserId.toLowerCase();
      const noted = await noteOrganization(deps, who.value.OrganizationId);
      if (!noted.ok) problems.push(noted.error.message);
    } else {
      authenticated = !['authentication_failed', 'network_error', 'timeout'].includes(
        who.error.code,
      );
      note(connectionProblem(crmUrl, who.error));
    }
  }
  if (authenticated) {
    const v = await client.callFunction<{ Version?: string }>('RetrieveVersion');
    if (v.ok && v.value.Version) version = v.value.Version;
    else problems.push('The server did not report its version (RetrieveVersion)');
    if (integrationUserId) {
      const user = await client.retrieve('systemusers', integrationUserId, {
        select: ['fullname'],
      });
      if (!user.ok)
        problems.push(
          `The integration user ${integrationUserId} was not found among the system users`,
        );
    }
  }
  if (version && !versionSupported(version))
    problems.push(`Dynamics 365 version ${version} is not supported`);
  if (authenticated) {
    const mismatch = await baseCurrencyMismatch(deps, client);
    if (mismatch) problems.push(mismatch);
  }
  const report: ConnectionTest = {
    ok: problems.length === 0,
    crmUrl,
    reachable,
    authenticated,
    version,
    versionSupported: versionSupported(version),
    integrationUserId,
    problems,
    detail: details.length > 0 ? details.join('\n') : null,
    testedAt: (deps.clock ?? systemClock).now().toISOString(),
  };
  await setConnectionState(deps.db, { lastTest: report, crmVersion: version, integrationUserId });
  return ok(report);
}

/**
 * The ERP's local currency is represented by the organization's base currency, so they must be
 * the same currency; otherwise every local amount would land in the CRM in the wrong currency.
 */
async function baseCurrencyMismatch(
  deps: SyncDeps,
  client: DataverseClient,
): Promise<string | undefined> {
  const org = await client.retrieveMultiple('organizations', {
    select: ['_basecurrencyid_value'],
    top: 1,
  });
  const baseId = org.ok ? org.value.value[0]?._basecurrencyid_value : undefined;
  if (typeof baseId !== 'string') return "The organization's base currency could not be read";
  const base = await client.retrieve<{ isocurrencycode?: string }>(
    'transactioncurrencies',
    baseId,
    {
      select: ['isocurrencycode'],
    },
  );
  const local = await localCurrency(deps.db);
  if (!base.ok || !local) return undefined;
  const code = base.value.isocurrencycode?.toUpperCase();
  return code && code !== local.code.toUpperCase()
    ? `The base currency of Dynamics 365 Sales (${code}) is not the ERP's local currency (${local.code})`
    : undefined;
}

/** Enables the integration: the test must pass; the default mappings are created when missing. */
export async function enableConnection(
  deps: SyncDeps,
): Promise<Result<{ connection: ConnectionSetup; createdMappings: number }>> {
  const test = await testConnection(deps);
  if (!test.ok) return test;
  if (!test.value.ok) {
    return failure(
      'connection_test_failed',
      `The connection cannot be enabled: ${test.value.problems.join('; ')}`,
      test.value,
    );
  }
  let createdMappings = 0;
  if ((await listMappings(deps.db)).length === 0)
    createdMappings = await createDefaultMappings(deps);
  await setConnectionState(deps.db, { enabled: true });
  return ok({ connection: await publicConnection(deps.db), createdMappings });
}

/** Disables the integration; scheduled runs stop at once (the scheduler checks the switch). */
export async function disableConnection(deps: SyncDeps): Promise<ConnectionSetup> {
  await setConnectionState(deps.db, { enabled: false });
  return publicConnection(deps.db);
}

/** Writes the default mapping set for the connection's switches; returns how many. */
export async function createDefaultMappings(deps: SyncDeps): Promise<number> {
  const c = await readConnection(deps.db);
  const defaults = defaultMappings({
    ownershipModel: c.ownershipModel,
    unitGroupMapping: c.unitGroupMapping,
    salesOrderIntegration: c.salesOrderIntegration,
    itemAvailability: c.itemAvailability,
  });
  for (const [i, m] of defaults.entries()) await saveMapping(deps.db, m, i + 1);
  return defaults.length;
}

/** "Restore default" of one mapping: its settings and field mappings as shipped. */
export async function restoreDefaultMapping(deps: SyncDeps, name: string): Promise<Result<true>> {
  const c = await readConnection(deps.db);
  const defaults = defaultMappings({
    ownershipModel: c.ownershipModel,
    unitGroupMapping: c.unitGroupMapping,
    salesOrderIntegration: c.salesOrderIntegration,
    itemAvailability: c.itemAvailability,
  });
  const m = defaults.find((d) => d.name === name);
  if (!m) return failure('not_found', `${name} is not one of the default mappings`);
  await saveMapping(deps.db, m);
  return ok(true);
}
