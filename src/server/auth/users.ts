import { z } from 'zod';
import type { Queryable } from '../../db/db.ts';
import { newId, randomSecret } from '../../shared/ids.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { hashPassword } from './passwords.ts';

export const ROLES = ['admin', 'orderProcessor', 'readOnly'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
  readonly disabled: boolean;
}

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  disabled: boolean;
  password_hash: string;
}

export const toUser = (r: UserRow): User => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  disabled: r.disabled,
});

export const newUserSchema = z.strictObject({
  username: z
    .string()
    .min(2)
    .max(64)
    .regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only'),
  password: z.string().min(8, 'must be at least 8 characters').max(200),
  role: z.enum(ROLES).default('readOnly'),
  displayName: z.string().max(200).default(''),
});
export type NewUser = z.input<typeof newUserSchema>;

/** Finds a user by username (case-insensitive), with the password hash. */
export async function findUserRow(db: Queryable, username: string): Promise<UserRow | undefined> {
  const r = await db.query<UserRow>('SELECT * FROM app.users WHERE lower(username) = lower($1)', [
    username,
  ]);
  return r.rows[0];
}

/** Creates a user; `already_exists` when the name is taken. */
export async function createUser(db: Queryable, input: NewUser): Promise<Result<User>> {
  const parsed = newUserSchema.safeParse(input);
  if (!parsed.success) {
    return failure(
      'validation_failed',
      parsed.error.issues.map((i) => `${i.path.join('.') || 'user'}: ${i.message}`).join('; '),
    );
  }
  const u = parsed.data;
  const hash = await hashPassword(u.password);
  const r = await db.query<UserRow>(
    `INSERT INTO app.users (id, username, display_name, role, password_hash)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING *`,
    [newId(), u.username, u.displayName, u.role, hash],
  );
  const row = r.rows[0];
  if (!row) return failure('already_exists', `A user named '${u.username}' already exists`);
  return ok(toUser(row));
}

/**
 * Makes sure the `admin` user exists. Returns the generated password when it had to make one up
 * (the caller prints it once; only its hash is kept), `undefined` when the user already existed.
 */
export async function ensureAdminUser(
  db: Queryable,
  configuredPassword: string | undefined,
): Promise<{ created: boolean; generatedPassword?: string }> {
  const existing = await findUserRow(db, 'admin');
  if (existing) return { created: false };
  const password = configuredPassword ?? randomSecret(12);
  const created = await createUser(db, {
    username: 'admin',
    password,
    role: 'admin',
    displayName: 'Administrator',
  });
  // Another process may have created it at the same moment; that is fine.
  if (!created.ok) return { created: false };
  return configuredPassword ? { created: true } : { created: true, generatedPassword: password };
}
