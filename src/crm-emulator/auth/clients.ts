import type { Db, Queryable } from '../../db/db.ts';
import { newId } from '../../shared/ids.ts';
import type { OrgFacts } from '../api/types.ts';
import { getRecord, insertRecords, lockForWrite } from '../store/records.ts';
import { hashSecret } from './tokens.ts';

export interface AppClient {
  readonly clientId: string;
  readonly secretHash: string;
  readonly systemUserId: string;
  readonly name: string;
}

export async function findClient(q: Queryable, clientId: string): Promise<AppClient | undefined> {
  const r = await q.query<{
    client_id: string;
    secret_hash: string;
    systemuser_id: string;
    name: string;
  }>(
    'SELECT client_id, secret_hash, systemuser_id, name FROM crm.app_clients WHERE client_id = $1',
    [clientId],
  );
  const row = r.rows[0];
  return row
    ? {
        clientId: row.client_id,
        secretHash: row.secret_hash,
        systemUserId: row.systemuser_id,
        name: row.name,
      }
    : undefined;
}

/** The client the emulator generated for the demo (`kobling start`), if any. */
export async function generatedClientId(q: Queryable): Promise<string | undefined> {
  const r = await q.query<{ client_id: string }>(
    'SELECT client_id FROM crm.app_clients WHERE generated ORDER BY created_on LIMIT 1',
  );
  return r.rows[0]?.client_id;
}

/**
 * Registers an application user: the client (secret hash) and its systemuser with `applicationid`,
 * as the Power Platform admin center does. Re-registering updates the secret.
 */
export async function registerClient(
  db: Db,
  org: OrgFacts,
  client: { clientId: string; clientSecret: string; name?: string; generated?: boolean },
  systemUserId: string,
  now: Date,
): Promise<AppClient> {
  const name = client.name ?? `# ${client.clientId}`;
  return db.transaction(async (tx) => {
    await lockForWrite(tx);
    const existing = await findClient(tx, client.clientId);
    const userId = existing?.systemUserId ?? newId();
    if (!(await getRecord(tx, 'systemuser', userId))) {
      await insertRecords(
        tx,
        'systemuser',
        [
          {
            id: userId,
            data: {
              fullname: name,
              lastname: name,
              applicationid: client.clientId,
              // An application user: non-interactive and without a license, like in Dataverse.
              accessmode: 4,
              isdisabled: false,
              islicensed: false,
              isintegrationuser: false,
              _businessunitid_value: org.businessUnitId,
              _createdby_value: systemUserId,
              _modifiedby_value: systemUserId,
            },
          },
        ],
        now,
      );
    }
    const secretHash = hashSecret(client.clientSecret);
    await tx.query(
      `INSERT INTO crm.app_clients (client_id, secret_hash, name, systemuser_id, generated)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (client_id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash, name = EXCLUDED.name`,
      [client.clientId, secretHash, name, userId, client.generated ?? false],
    );
    return { clientId: client.clientId, secretHash, systemUserId: userId, name };
  });
}
