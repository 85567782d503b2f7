import '../error-codes.ts';
import type { DataverseClient } from '../../dataverse/index.ts';
import { openCrm } from '../../flows/shared/crm-session.ts';
import { AppError, answerForFailure } from '../../shared/errors.ts';
import { readConnection } from '../../sync/connection/connection-repo.ts';
import { formatDate, isDateLike } from '../format.ts';
import type { WebDeps } from '../web-deps.ts';

/** Formatted values (option labels, lookup names) as Dataverse sends them on request. */
export const FORMATTED = 'OData.Community.Display.V1.FormattedValue';
/**
 * A column as the CRM formats it (option labels, lookup names, money with its currency symbol),
 * except dates: those read as on every other page (ISO 8601, `formatDate`), not in the format of
 * the CRM user's locale.
 */
export const label = (row: Record<string, unknown>, column: string): string =>
  isDateLike(row[column])
    ? formatDate(row[column])
    : String(row[`${column}@${FORMATTED}`] ?? row[column] ?? '');

/**
 * The CRM view is a demo of the salesperson's side: it is offered when the connection points at a
 * loopback address (the bundled emulator), never at a real organization.
 */
export async function crmViewAvailable(deps: WebDeps): Promise<boolean> {
  const c = await readConnection(deps.ctx.db);
  if (!c.enabled || !c.crmUrl) return false;
  const host = new URL(c.crmUrl).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

/** The connector over HTTP to the emulator, as the integration's application user. */
export async function crmClient(deps: WebDeps): Promise<DataverseClient> {
  if (!(await crmViewAvailable(deps)))
    throw new AppError(
      'not_found',
      'The Dynamics 365 Sales view is only offered with the bundled CRM emulator (connected and enabled)',
    );
  const client = await openCrm(deps.ctx);
  if (!client.ok) throw AppError.from(client.error);
  return client.value;
}

/**
 * A Dataverse answer or a readable error: a refusal is a 422; a CRM that did not answer, failed
 * (5xx) or still throttled keeps the status the API answers it with (502, 503 with Retry-After).
 */
export function crmMust<T>(
  r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } },
  doing: string,
): T {
  if (r.ok) return r.value;
  const answer = answerForFailure(r.error);
  throw new AppError('crm_refused', `Dynamics 365 Sales refused to ${doing}: ${r.error.message}`, {
    ...(answer.status >= 500 ? answer : {}),
  });
}
