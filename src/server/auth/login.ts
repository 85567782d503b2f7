import type { Queryable } from '../../db/db.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { dummyPasswordHash, verifyPassword } from './passwords.ts';
import {
  isFamiliarAddress,
  LOGIN_THROTTLE,
  noteSuccess,
  reserveAttempt,
  UNFAMILIAR,
} from './throttle.ts';
import { findUserRow, toUser, type User } from './users.ts';

/**
 * Checks a username and password. Failures say nothing about which part was wrong. The attempt is
 * counted (per user and address, plus the user's shared bucket of unfamiliar addresses) before the
 * password is checked; a throttled attempt is refused unchecked with the seconds to wait.
 */
export async function checkLogin(
  db: Queryable,
  username: string,
  password: string,
  address: string,
): Promise<Result<User>> {
  const key = username.toLowerCase();
  const row = await findUserRow(db, username);
  const familiar = await isFamiliarAddress(db, row?.id, address);
  const buckets: [string, number][] = [[address, LOGIN_THROTTLE.freePerAddress]];
  if (!familiar) buckets.push([UNFAMILIAR, LOGIN_THROTTLE.freeUnfamiliar]);
  for (const [bucket, free] of buckets) {
    const reserved = await reserveAttempt(db, key, bucket, free);
    if (!reserved.allowed) {
      return failure(
        'too_many_requests',
        `Too many failed logins; try again in ${reserved.retryAfterSeconds} seconds`,
        { retryAfterSeconds: reserved.retryAfterSeconds },
      );
    }
  }
  const valid = await verifyPassword(password, row?.password_hash ?? (await dummyPasswordHash()));
  if (!row || !valid || row.disabled) {
    return failure('invalid_credentials', 'Invalid username or password');
  }
  await noteSuccess(db, row.id, key, address);
  return ok(toUser(row));
}
