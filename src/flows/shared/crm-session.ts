import type { DataverseClient } from '../../dataverse/index.ts';
import { clientSettings, dataverseClientFor } from '../../integration/sync-runtime.ts';
import { type AppFailure, fail, failure, ok, type Result } from '../../shared/result.ts';
import { readConnection } from '../../sync/connection/connection-repo.ts';
import type { FlowContext } from './flow-context.ts';

/** The connector to Dynamics 365 Sales over the stored connection; refused while it is disabled. */
export async function openCrm(ctx: FlowContext): Promise<Result<DataverseClient>> {
  const c = await readConnection(ctx.db);
  if (!c.enabled)
    return failure('connection_disabled', 'The Dynamics 365 Sales connection is not enabled');
  const settings = await clientSettings(ctx);
  if (!settings.ok) return settings;
  return ok(dataverseClientFor(settings.value, ctx.logger));
}

/**
 * A Dataverse failure as a flow failure, with what was being done; the CRM's status and wait go
 * along, so that a CRM that throttles is answered 503 with its Retry-After (flows/errors.ts).
 */
export const crmFailure = (
  doing: string,
  e: { code: string; message: string; status?: number; retryAfterMs?: number },
) =>
  fail<AppFailure>({
    code: 'crm_request_failed',
    message: `${doing}: ${e.message}`,
    details: { crmCode: e.code },
    ...(e.status === undefined ? {} : { status: e.status }),
    ...(e.retryAfterMs === undefined ? {} : { retryAfterMs: e.retryAfterMs }),
  });
