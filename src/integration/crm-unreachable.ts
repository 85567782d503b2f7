import { hostAndPort, probeOrganization, TRANSPORT_CODES } from '../dataverse/index.ts';
import type { Queryable } from '../db/db.ts';
import { readConnection } from '../sync/connection/connection-repo.ts';

/** How long the start waits for the CRM to answer: a refused connection answers at once. */
export const STARTUP_PROBE_MS = 1500;

/** A failure that may say which server did not answer (a Dataverse error's `host` and `cause`). */
export interface MaybeUnreachable {
  readonly code: string;
  readonly message: string;
  readonly host?: string;
  readonly cause?: string;
}

/**
 * "the CRM at 127.0.0.1:18181 is not reachable (ECONNREFUSED)" for a failure that got no answer,
 * undefined for any other (a refusal, a bad answer): a user reads "not reachable" as "start it or
 * check the network", which only a connection that failed deserves. The one wording of that fact:
 * the start banner, the polling warnings of the log, the full-synchronization review and
 * `kobling sync` all say it through here. The token of a real
 * organization comes from Entra ID, not from the CRM's address: a sign-in server that did not
 * answer is named as such, not as the CRM.
 */
export function unreachableCrm(err: MaybeUnreachable, crmUrl?: string | null): string | undefined {
  if (!TRANSPORT_CODES.has(err.code) || !err.host) return undefined;
  const crm = crmUrl ? safeHost(crmUrl) : undefined;
  const who =
    crm === undefined || crm === err.host
      ? `the CRM at ${err.host}`
      : `the CRM's sign-in server at ${err.host}`;
  return err.code === 'timeout'
    ? `${who} did not answer in time`
    : `${who} is not reachable${err.cause ? ` (${err.cause})` : ''}`;
}

function safeHost(url: string): string | undefined {
  try {
    return hostAndPort(url);
  } catch {
    return undefined;
  }
}

/**
 * Asks the connection's CRM address once (no token; any HTTP answer counts) and answers why it is
 * not reachable, or undefined when it answers (or no connection is set up). For a run that did
 * nothing: the pass's own message names the step that failed, not that the CRM is down.
 */
export async function crmUnreachableNow(
  db: Queryable,
  timeoutMs = STARTUP_PROBE_MS,
): Promise<string | undefined> {
  const { crmUrl } = await readConnection(db);
  if (!crmUrl) return undefined;
  const probe = await probeOrganization(crmUrl, timeoutMs);
  return probe.ok ? undefined : unreachableCrm(probe.error, crmUrl);
}
