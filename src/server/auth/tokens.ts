import type { Queryable } from '../../db/db.ts';

/** An API token as it is listed: never the token itself (only its hash is stored). */
export interface TokenListing {
  readonly id: string;
  readonly username: string;
  readonly name: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly expired: boolean;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** API tokens, of one user or of everyone, newest first, a page at a time. */
export async function listTokens(
  db: Queryable,
  filter: { userId?: string; top: number; skip: number },
): Promise<TokenListing[]> {
  const r = await db.query<{
    id: string;
    username: string;
    name: string;
    created_at: Date;
    expires_at: Date | null;
    last_used_at: Date | null;
    expired: boolean;
  }>(
    `SELECT t.id, u.username, t.name, t.created_at, t.expires_at, t.last_used_at,
       coalesce(t.expires_at <= now(), false) AS expired
     FROM app.api_tokens t JOIN app.users u ON u.id = t.user_id
     WHERE ($1::uuid IS NULL OR t.user_id = $1)
     ORDER BY t.created_at DESC, t.id LIMIT $2 OFFSET $3`,
    [filter.userId ?? null, filter.top, filter.skip],
  );
  return r.rows.map((t) => ({
    id: t.id,
    username: t.username,
    name: t.name,
    createdAt: iso(t.created_at)!,
    expiresAt: iso(t.expires_at),
    lastUsedAt: iso(t.last_used_at),
    expired: t.expired,
  }));
}

/**
 * Revokes a token (deleted: it stops working at the next request). With `userId` only that user's
 * token; returns whether one was revoked.
 */
export async function revokeToken(db: Queryable, id: string, userId?: string): Promise<boolean> {
  const r = await db.query(
    'DELETE FROM app.api_tokens WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2)',
    [id, userId ?? null],
  );
  return (r.rowCount ?? 0) > 0;
}
