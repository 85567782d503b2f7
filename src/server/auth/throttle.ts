import type { Queryable } from '../../db/db.ts';

/**
 * Login throttling with growing delays, in the spirit of Entra ID's smart lockout:
 * - every (username, address) pair has its own counter, so failures from one address never lock
 *   the user out elsewhere, and an office behind one address is not locked out by one person;
 * - addresses the user never logged in from successfully also share one counter per user (the
 *   "unfamiliar" bucket), so guessing from many addresses is slowed down as a whole, while the
 *   user's familiar addresses keep working;
 * - after the free attempts each further attempt must wait a delay that doubles, up to a cap —
 *   never a permanent lock, and `kobling user unlock` clears it at once.
 * An attempt is counted before its password is checked, in one atomic statement per bucket, so a
 * burst of parallel requests cannot check more passwords than the counter allows.
 */
export const LOGIN_THROTTLE = {
  /** Attempts per (user, address) checked without delay. */
  freePerAddress: 5,
  /** Attempts per user from all unfamiliar addresses together, checked without delay. */
  freeUnfamiliar: 10,
  /** First delay after the free attempts; doubles with every further attempt. */
  firstDelaySeconds: 2,
  maxDelaySeconds: 15 * 60,
  /** A bucket untouched this long starts again from zero. */
  forgetAfterHours: 24,
  /** An address is familiar when the user logged in from it within this many days. */
  familiarDays: 90,
} as const;

/** The shared bucket of the unfamiliar addresses of a user. */
export const UNFAMILIAR = '*';

export type Reservation = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Counts one attempt in a bucket if the bucket lets an attempt through now (atomic: concurrent
 * requests serialize on the bucket's row). Returns when the next attempt may be made otherwise.
 */
export async function reserveAttempt(
  db: Queryable,
  usernameKey: string,
  address: string,
  free: number,
): Promise<Reservation> {
  const { firstDelaySeconds: first, maxDelaySeconds: max, forgetAfterHours } = LOGIN_THROTTLE;
  // failures after this attempt = n; the next attempt waits first * 2^(n - free) seconds once n ≥ free.
  const r = await db.query<{ failures: number }>(
    `INSERT INTO app.login_throttle AS t (username_key, address, failures, blocked_until, updated_at)
     VALUES ($1, $2, 1, CASE WHEN 1 >= $3::int THEN now() + $4::float8 * interval '1 second' END, now())
     ON CONFLICT (username_key, address) DO UPDATE SET
       failures = CASE WHEN t.updated_at < now() - $6::float8 * interval '1 hour' THEN 1 ELSE t.failures + 1 END,
       blocked_until = CASE
         WHEN (CASE WHEN t.updated_at < now() - $6::float8 * interval '1 hour' THEN 1 ELSE t.failures + 1 END) >= $3::int
         THEN now() + least($5::float8, $4::float8 * power(2, (CASE WHEN t.updated_at < now() - $6::float8 * interval '1 hour'
                THEN 1 ELSE t.failures + 1 END) - $3::int)) * interval '1 second'
         END,
       updated_at = now()
     WHERE t.blocked_until IS NULL OR t.blocked_until <= now()
     RETURNING failures`,
    [usernameKey, address, free, first, max, forgetAfterHours],
  );
  if (r.rows.length > 0) return { allowed: true };
  const wait = await db.query<{ seconds: number }>(
    `SELECT greatest(1, ceil(extract(epoch FROM blocked_until - now())))::int AS seconds
     FROM app.login_throttle WHERE username_key = $1 AND address = $2`,
    [usernameKey, address],
  );
  return { allowed: false, retryAfterSeconds: wait.rows[0]?.seconds ?? 1 };
}

/** Whether the user logged in successfully from this address recently. */
export async function isFamiliarAddress(
  db: Queryable,
  userId: string | undefined,
  address: string,
): Promise<boolean> {
  if (!userId) return false;
  const r = await db.query(
    `SELECT 1 FROM app.known_login_addresses
     WHERE user_id = $1 AND address = $2 AND last_success_at > now() - $3::float8 * interval '1 day'`,
    [userId, address, LOGIN_THROTTLE.familiarDays],
  );
  return (r.rowCount ?? 0) > 0;
}

/** After a successful login: the address is familiar from now on and its counter starts again. */
export async function noteSuccess(
  db: Queryable,
  userId: string,
  usernameKey: string,
  address: string,
): Promise<void> {
  await db.query('DELETE FROM app.login_throttle WHERE username_key = $1 AND address = $2', [
    usernameKey,
    address,
  ]);
  // Counters nobody touched for a day are forgotten anyway; dropping them keeps the table small.
  await db.query(
    `DELETE FROM app.login_throttle WHERE updated_at < now() - $1::float8 * interval '1 hour'
       AND (blocked_until IS NULL OR blocked_until < now())`,
    [LOGIN_THROTTLE.forgetAfterHours],
  );
  await db.query(
    `INSERT INTO app.known_login_addresses (user_id, address) VALUES ($1, $2)
     ON CONFLICT (user_id, address) DO UPDATE SET last_success_at = now()`,
    [userId, address],
  );
}

/** Clears every throttle counter of a user (`kobling user unlock`); returns how many there were. */
export async function clearThrottle(db: Queryable, username: string): Promise<number> {
  const r = await db.query('DELETE FROM app.login_throttle WHERE username_key = lower($1)', [
    username,
  ]);
  return r.rowCount ?? 0;
}
