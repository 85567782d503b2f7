import type { Db, Queryable } from '../../db/db.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import './errors.ts';
import { hashPassword } from './passwords.ts';
import { ROLES, type Role, toUser, type User, type UserRow } from './users.ts';

/** A user as administrators list them. */
export interface UserListing extends User {
  readonly createdAt: string;
  readonly activeTokens: number;
  readonly activeSessions: number;
}

/** Users by name, a page at a time. */
export async function listUsers(
  db: Queryable,
  page: { top: number; skip: number },
): Promise<UserListing[]> {
  const r = await db.query<UserRow & { created_at: Date; tokens: number; sessions: number }>(
    `SELECT u.*,
       (SELECT count(*)::int FROM app.api_tokens t WHERE t.user_id = u.id
          AND (t.expires_at IS NULL OR t.expires_at > now())) AS tokens,
       (SELECT count(*)::int FROM app.sessions s WHERE s.user_id = u.id AND s.expires_at > now()) AS sessions
     FROM app.users u ORDER BY lower(u.username) LIMIT $1 OFFSET $2`,
    [page.top, page.skip],
  );
  return r.rows.map((row) => ({
    ...toUser(row),
    createdAt: new Date(row.created_at).toISOString(),
    activeTokens: row.tokens,
    activeSessions: row.sessions,
  }));
}

export interface UserChange {
  readonly disabled?: boolean;
  readonly role?: Role;
  readonly displayName?: string;
  readonly password?: string;
}

// Changes that could leave no enabled admin take this lock first, so two of them at once cannot
// each see the other admin as the one that remains.
const ADMIN_LOCK = "hashtext('kobling.last-admin')";

/**
 * Changes a user. Disabling ends the user's sessions at once (their API tokens are refused from the
 * next request on, as every request checks the user). The last enabled admin can be neither
 * disabled nor demoted: `last_admin`.
 */
export async function changeUser(
  db: Db,
  username: string,
  change: UserChange,
): Promise<Result<User>> {
  if (change.role !== undefined && !ROLES.includes(change.role))
    return failure('validation_failed', `role must be one of ${ROLES.join(', ')}`);
  const hash = change.password === undefined ? null : await hashPassword(change.password);
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${ADMIN_LOCK})`);
    const current = await tx.query<UserRow>(
      'SELECT * FROM app.users WHERE lower(username) = lower($1) FOR UPDATE',
      [username],
    );
    const row = current.rows[0];
    if (!row) return failure('not_found', `No user named '${username}'`);
    const losesAdmin =
      row.role === 'admin' &&
      !row.disabled &&
      (change.disabled === true || (change.role !== undefined && change.role !== 'admin'));
    if (losesAdmin && !(await anotherEnabledAdmin(tx, row.id))) {
      return failure(
        'last_admin',
        `${row.username} is the last enabled admin; make another user admin first`,
      );
    }
    const updated = await tx.query<UserRow>(
      `UPDATE app.users SET disabled = coalesce($2, disabled), role = coalesce($3, role),
         display_name = coalesce($4, display_name), password_hash = coalesce($5, password_hash),
         updated_at = now()
       WHERE id = $1 RETURNING *`,
      [row.id, change.disabled ?? null, change.role ?? null, change.displayName ?? null, hash],
    );
    if (change.disabled === true || hash !== null) {
      await tx.query('DELETE FROM app.sessions WHERE user_id = $1', [row.id]);
    }
    return ok(toUser(updated.rows[0]!));
  });
}

/** Deletes a user with their sessions and tokens; never the last enabled admin. */
export async function deleteUser(db: Db, username: string): Promise<Result<User>> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${ADMIN_LOCK})`);
    const current = await tx.query<UserRow>(
      'SELECT * FROM app.users WHERE lower(username) = lower($1) FOR UPDATE',
      [username],
    );
    const row = current.rows[0];
    if (!row) return failure('not_found', `No user named '${username}'`);
    if (row.role === 'admin' && !row.disabled && !(await anotherEnabledAdmin(tx, row.id))) {
      return failure(
        'last_admin',
        `${row.username} is the last enabled admin; make another user admin first`,
      );
    }
    await tx.query('DELETE FROM app.users WHERE id = $1', [row.id]);
    return ok(toUser(row));
  });
}

async function anotherEnabledAdmin(db: Queryable, exceptId: string): Promise<boolean> {
  const r = await db.query(
    "SELECT 1 FROM app.users WHERE role = 'admin' AND NOT disabled AND id <> $1 LIMIT 1",
    [exceptId],
  );
  return (r.rowCount ?? 0) > 0;
}
