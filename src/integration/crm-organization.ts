import {
  type ConnectionSetup,
  readConnection,
  setConnectionState,
} from '../sync/connection/connection-repo.ts';
import { clearCrmWatermarks, mappingsWithCrmWatermark } from '../sync/mappings/mapping-repo.ts';
import { clientSettings, dataverseClientFor, type SyncDeps } from './sync-runtime.ts';

/** What comparing the organization the connection reaches with the one it reached before found. */
export type OrganizationCheck =
  | { readonly kind: 'first'; readonly organizationId: string }
  | { readonly kind: 'same'; readonly organizationId: string }
  | {
      readonly kind: 'other';
      readonly organizationId: string;
      readonly previous: string;
      /** Mappings whose CRM watermark was cleared. */
      readonly cleared: readonly string[];
    };

/**
 * Records the organization the connection reaches now. A CRM watermark is a delta token of one
 * organization: under a new address of the same org it stays valid (it is kept relative to the
 * Web API base), but another org cannot read it — handed to that org it would miss or misread
 * changes. So reaching another organization clears every CRM watermark (the next CRM→ERP pass of
 * each mapping reads its table in full) and says so in the log.
 */
export async function noteOrganization(
  deps: SyncDeps,
  organizationId: string,
): Promise<OrganizationCheck> {
  const id = organizationId.toLowerCase();
  const previous = (await readConnection(deps.db)).crmOrganizationId;
  await setConnectionState(deps.db, { crmOrganizationId: id });
  if (!previous) return { kind: 'first', organizationId: id };
  if (previous.toLowerCase() === id) return { kind: 'same', organizationId: id };
  const cleared = await clearCrmWatermarks(deps.db);
  deps.logger.warn(
    { organizationId: id, previous, clearedWatermarks: cleared },
    'the connection now reaches another Dynamics 365 organization: its CRM watermarks were cleared (the next CRM→ERP passes read every record); couplings still name records of the previous organization — review them in the full synchronization review',
  );
  return { kind: 'other', organizationId: id, previous, cleared };
}

const addressOf = (c: ConnectionSetup) => [c.crmUrl, c.authorityUrl, c.tenantId, c.clientId];

/**
 * After a change of the connection's address: asks the CRM (WhoAmI) which organization it is, so
 * a new address of the same org keeps its watermarks and another org gets them cleared before
 * any pass uses them. Returns what an admin should read in the answer, or undefined when the
 * address did not change or there are no CRM watermarks to care about.
 */
export async function checkOrganizationAfterMove(
  deps: SyncDeps,
  before: ConnectionSetup,
  after: ConnectionSetup,
): Promise<string | undefined> {
  if (JSON.stringify(addressOf(before)) === JSON.stringify(addressOf(after))) return undefined;
  if ((await mappingsWithCrmWatermark(deps.db)).length === 0) return undefined;
  const settings = await clientSettings(deps);
  const who = settings.ok
    ? await dataverseClientFor(settings.value, deps.logger).whoAmI()
    : undefined;
  if (!who?.ok) {
    const why = who ? who.error.message : settings.ok ? '' : settings.error.message;
    deps.logger.warn(
      { crmUrl: after.crmUrl, reason: why },
      'the organization at the new CRM address could not be identified; the CRM watermarks are kept until a connection test compares it',
    );
    return `The organization at ${after.crmUrl} could not be identified (${why}); the CRM watermarks are kept, and the next connection test clears them if it is another organization.`;
  }
  const check = await noteOrganization(deps, who.value.OrganizationId);
  if (check.kind === 'other')
    return `${after.crmUrl} is another Dynamics 365 organization (${check.organizationId}, was ${check.previous}): the CRM watermarks of ${check.cleared.length} mappings were cleared, so their next CRM→ERP passes read every record; couplings still name records of the previous organization — review them in the full synchronization review.`;
  if (check.kind === 'first')
    return `${after.crmUrl} is organization ${check.organizationId}; the organization reached before was not recorded, so the CRM watermarks are kept.`;
  deps.logger.info(
    { crmUrl: after.crmUrl, organizationId: check.organizationId },
    'the CRM connection moved to a new address of the same organization; its watermarks are kept',
  );
  return `${after.crmUrl} is the same organization (${check.organizationId}): the CRM watermarks are kept, synchronization continues where it was.`;
}
