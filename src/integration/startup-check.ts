import { probeOrganization } from '../dataverse/index.ts';
import { STARTUP_PROBE_MS, unreachableCrm } from './crm-unreachable.ts';

/**
 * The start banner's line about the integration. An enabled connection's address is asked once
 * (no token, any HTTP answer counts: src/dataverse/reachability.ts), so a CRM that is down shows
 * at the start rather than only in warnings of the log later.
 */
export async function integrationLine(
  c: { readonly enabled: boolean; readonly crmUrl: string | null },
  timeoutMs = STARTUP_PROBE_MS,
): Promise<string> {
  if (!c.enabled || !c.crmUrl)
    return 'Integration   not enabled (set it up in /api/integration/v1/connection)';
  const probe = await probeOrganization(c.crmUrl, timeoutMs);
  if (probe.ok) return `Integration   enabled (${c.crmUrl})`;
  const why =
    unreachableCrm(probe.error, c.crmUrl) ?? `the CRM is not reachable: ${probe.error.message}`;
  return `Integration   enabled (${c.crmUrl}), but ${why}; synchronization waits until it answers`;
}
