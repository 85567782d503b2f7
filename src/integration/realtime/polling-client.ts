import type { DataverseClient } from '../../dataverse/index.ts';
import { clientSettings, dataverseClientFor, type SyncDeps } from '../sync-runtime.ts';

/**
 * A poller's CRM client, made from the stored connection at each look, and the CRM address that
 * look used: its failure log names the CRM by it (`failureLog`'s `crmUrl`), a sign-in server that
 * did not answer as such.
 */
export function pollingClient(deps: SyncDeps): {
  readonly client: () => Promise<DataverseClient | undefined>;
  readonly crmUrl: () => string | undefined;
} {
  let crmUrl: string | undefined;
  return {
    async client() {
      const s = await clientSettings(deps);
      crmUrl = s.ok ? s.value.crmUrl : undefined;
      return s.ok ? dataverseClientFor(s.value, deps.logger) : undefined;
    },
    crmUrl: () => crmUrl,
  };
}
