import { createHash } from 'node:crypto';
import type { Queryable } from '../../db/db.ts';
import { newId, randomSecret } from '../../shared/ids.ts';
import { toUser, type User, type UserRow } from './users.ts';

/** Session lifetime for the UI cookie. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
export const TOKEN_PREFIX = 'kbl_';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Opens a UI session; returns the opaque session id for the cookie (only its hash is stored). */
export async function createSession(db: Queryable, userId: string): Promise<string> {
  const id = randomSecret(32);
  await db.query(
    `INSERT INTO app.sessions (id_hash, user_id, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')`,
    [sha256(id), userId, SESSION_TTL_MS],
  );
  return id;
}

/** The user of a live session, if any. */
export async function userForSession(db: Queryable, sessionId: string): Promise<User | undefined> {
  const r = await db.query<UserRow>(
    `SELECT u.* FROM app.sessions s JOIN app.users u ON u.id = s.user_id
     WHERE s.id_hash = $1 AND s.expires_at > now() AND NOT u.disabled`,
    [sha256(sessionId)],
  );
  return r.rows[0] && toUser(r.rows[0]);
}

/** Ends a session. */
export async function deleteSession(db: Queryable, sessionId: string): Promise<void> {
  await db.query('DELETE FROM app.sessions WHERE id_hash = $1', [sha256(sessionId)]);
}

/** A newly issued API token: the token itself is returned this once, only its hash is stored. */
export interface IssuedToken {
  readonly id: string;
  readonly token: string;
  readonly name: string;
  readonly expiresAt: string | null;
}

/** Issues an API token for automation, optionally expiring after some days. */
export async function issueApiToken(
  db: Queryable,
  userId: string,
  options: { name?: string; expiresInDays?: number } = {},
): Promise<IssuedToken> {
  const token = TOKEN_PREFIX + randomSecret(32);
  const id = newId();
  const r = await db.query<{ expires_at: Date | null }>(
    `INSERT INTO app.api_tokens (id, token_hash, user_id, name, expires_at)
     VALUES ($1, $2, $3, $4, CASE WHEN $5::int IS NULL THEN NULL ELSE now() + $5::int * interval '1 day' END)
     RETURNING expires_at`,
    [id, sha256(token), userId, options.name ?? '', options.expiresInDays ?? null],
  );
  const expires = r.rows[0]?.expires_at;
  return {
    id,
    token,
    name: options.name ?? '',
    expiresAt: expires ? new Date(expires).toISOString() : null,
  };
}

/** Issues an API token and returns only the token text. */
export async function createApiToken(
  db: Queryable,
  userId: string,
  options: { name?: string; expiresInDays?: number } = {},
): Promise<string> {
  return (await issueApiToken(db, userId, options)).token;
}

/** The user of a valid API token, if any (and notes when it was last used). */
export async function userForToken(db: Queryable, token: string): Promise<User | undefined> {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const r = await db.query<UserRow>(
    `UPDATE app.api_tokens t SET last_used_at = now() FROM app.users u
     WHERE t.token_hash = $1 AND u.id = t.user_id AND NOT u.disabled
       AND (t.expires_at IS NULL OR t.expires_at > now())
     RETURNING u.*`,
    [sha256(token)],
  );
  return r.rows[0] && toUser(r.rows[0]);
}
