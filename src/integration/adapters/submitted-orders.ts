import type { DataverseClient, DataverseRecord, OperationResult } from '../../dataverse/index.ts';

/** Dataverse's "the record is read-only" error code (a submitted, fulfilled or invoiced order). */
export const READ_ONLY_RECORD = '0x80040227';

const SUBMITTED = 1;
const ACTIVE = 0;

/**
 * Writes to a submitted CRM order: Dynamics 365 Sales keeps submitted orders read-only, so (as
 * Business Central does) the order is made Active for the write and submitted again right after.
 * Orders in any other state are left alone and the original failure stands (undefined).
 */
export async function updateSubmittedOrder(
  client: DataverseClient,
  id: string,
  patch: DataverseRecord,
): Promise<OperationResult | undefined> {
  const current = await client.retrieve<{ statecode?: number; statuscode?: number }>(
    'salesorders',
    id,
    { select: ['statecode', 'statuscode'] },
  );
  if (!current.ok || current.value.statecode !== SUBMITTED) return undefined;
  const reopened = await client.update('salesorders', id, { statecode: ACTIVE, statuscode: 2 });
  if (!reopened.ok) return reopened;
  const written = await client.update('salesorders', id, patch);
  const resubmitted = await client.update('salesorders', id, {
    statecode: SUBMITTED,
    statuscode: current.value.statuscode ?? 3,
  });
  return written.ok ? resubmitted : written;
}
