import type { Queryable } from '../../db/db.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { dummyPasswordHash, verifyPassword } from './passwords.ts';
import { findUserRow, toUser, type User } from './users.ts';

/** Failed attempts allowed per username, and per client address, within the window. */
export const LOGIN_LIMIT = { perUser: 10, perAddress: 30, windowMinutes: 15 } as const;

/**
 * Checks a username and password. Failures say nothing about which part was wrong; too many
 * failures for a username or from an address within the window are refused before checking.
 */
export async function checkLogin(
  db: Queryable,
  username: string,
  password: string,
  address: string,
): Promise<Result<User>> {
  const recent = await db.query<{ per_user: number; per_address: number }>(
    `SELECT count(*) FILTER (WHERE lower(username) = lower($1))::int AS per_user,
            count(*) FILTER (WHERE address = $2)::int AS per_address
     FROM app.login_failures WHERE at > now() - $3 * interval '1 minute'`,
    [username, address, LOGIN_LIMIT.windowMinutes],
  );
  const counts = recent.rows[0] ?? { per_user: 0, per_address: 0 };
  if (counts.per_user >= LOGIN_LIMIT.perUser || counts.per_address >= LOGIN_LIMIT.perAddress) {
    return failure(
      'too_many_requests',
      `Too many failed logins; try again in ${LOGIN_LIMIT.windowMinutes} minutes`,
      {
        retryAfterSeconds: LOGIN_LIMIT.windowMinutes * 60,
      },
    );
  }
  const row = await findUserRow(db, username);
  const valid = await verifyPassword(password, row?.password_hash ?? (await dummyPasswordHash()));
  if (!row || !valid || row.disabled) {
    await db.query('INSERT INTO app.login_failures (username, address) VALUES ($1, $2)', [
      username,
      address,
    ]);
    return failure('invalid_credentials', 'Invalid username or password');
  }
  await db.query(
    'DELETE FROM app.login_failures WHERE lower(username) = lower($1) AND address = $2',
    [username, address],
  );
  return ok(toUser(row));
}
