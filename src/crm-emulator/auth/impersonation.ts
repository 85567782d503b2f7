import type { Queryable } from '../../db/db.ts';
import { isGuid } from '../../shared/ids.ts';
import type { Caller } from '../api/types.ts';
import { CODES, CrmError } from '../errors.ts';

/**
 * Impersonation as Dataverse does it: `MSCRMCallerID: <systemuserid>` or
 * `CallerObjectId: <Entra object id>` makes writes run as (and be stamped with) that user.
 */
export async function impersonate(
  q: Queryable,
  caller: Caller,
  headers: Readonly<Record<string, string | undefined>>,
): Promise<Caller> {
  const byId = headers.mscrmcallerid?.trim();
  const byObject = headers.callerobjectid?.trim();
  if (!byId && !byObject) return caller;
  const value = (byId ?? byObject)!.toLowerCase();
  if (!isGuid(value))
    throw new CrmError(400, CODES.invalidArgument, `'${value}' is not a valid caller id.`);
  const r = await q.query<{ id: string }>(
    byId
      ? "SELECT id FROM crm.records WHERE entity = 'systemuser' AND id = $1::uuid"
      : "SELECT id FROM crm.records WHERE entity = 'systemuser' AND data->>'azureactivedirectoryobjectid' = $1",
    [value],
  );
  const user = r.rows[0];
  if (!user)
    throw new CrmError(
      404,
      CODES.objectDoesNotExist,
      `systemuser With Id = ${value} Does Not Exist`,
    );
  return { clientId: caller.clientId, systemUserId: user.id };
}
