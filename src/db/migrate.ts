import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Db, rollback } from './db.ts';

/** One numbered SQL file of one part. */
export interface Migration {
  readonly module: string;
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The parts that own migrations, in the order they are applied. Each keeps numbered files
 * (`001_name.sql`, `002_…`) in its own `migrations/` folder and its own schema, so parts never
 * compete for numbers.
 */
export const MIGRATION_MODULES = ['db', 'erp', 'crm-emulator', 'sync', 'flows'] as const;

// Any 64-bit key works; this one is "kobling\0" so it is recognisable in pg_locks.
const LOCK_KEY = '7741542357924653056';
const FILE = /^(\d+)_([a-z0-9_-]+)\.sql$/;

/** Reads every migration from disk, ordered by module then version. */
export function loadMigrations(srcDir = SRC): Migration[] {
  const all: Migration[] = [];
  for (const module of MIGRATION_MODULES) {
    const dir = path.join(srcDir, module, 'migrations');
    if (!existsSync(dir)) continue;
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    for (const file of files) {
      const m = FILE.exec(file);
      if (!m) throw new Error(`Migration file name must look like 001_name.sql: ${module}/${file}`);
      const sql = readFileSync(path.join(dir, file), 'utf8');
      all.push({
        module,
        version: Number(m[1]),
        name: m[2]!,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      });
    }
    const versions = all.filter((x) => x.module === module).map((x) => x.version);
    if (new Set(versions).size !== versions.length)
      throw new Error(`Duplicate migration number in ${module}`);
  }
  return all;
}

export interface MigrationReport {
  readonly applied: readonly { module: string; version: number; name: string }[];
  readonly alreadyApplied: number;
}

const CREATE_TABLE = `
  CREATE TABLE IF NOT EXISTS public.kobling_migrations (
    module text NOT NULL,
    version integer NOT NULL,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (module, version)
  )`;

/**
 * Applies pending migrations, each in its own transaction, recording what it applied. A
 * session-level advisory lock makes concurrent starts safe: the second process waits, then finds
 * everything applied. A changed file that was already applied is an error, never silently skipped.
 */
export async function migrate(db: Db, migrations = loadMigrations()): Promise<MigrationReport> {
  return db.hold('migrations', async (client) => {
    let broken: Error | undefined;
    try {
      await client.query('SELECT pg_advisory_lock($1::bigint)', [LOCK_KEY]);
      await client.query(CREATE_TABLE);
      const done = await client.query<{ module: string; version: number; checksum: string }>(
        'SELECT module, version, checksum FROM public.kobling_migrations',
      );
      const known = new Map(done.rows.map((r) => [`${r.module}/${r.version}`, r.checksum]));
      const applied: MigrationReport['applied'][number][] = [];
      for (const m of migrations) {
        const checksum = known.get(`${m.module}/${m.version}`);
        if (checksum !== undefined) {
          if (checksum !== m.checksum) {
            throw new Error(
              `Migration ${m.module}/${m.version}_${m.name} was changed after it was applied; add a new migration instead`,
            );
          }
          continue;
        }
        try {
          await client.query('BEGIN');
          await client.query(m.sql);
          await client.query(
            'INSERT INTO public.kobling_migrations (module, version, name, checksum) VALUES ($1, $2, $3, $4)',
            [m.module, m.version, m.name, m.checksum],
          );
          await client.query('COMMIT');
        } catch (err) {
          broken = await rollback(client);
          throw new Error(
            `Migration ${m.module}/${m.version}_${m.name} failed: ${(err as Error).message}`,
            {
              cause: err,
            },
          );
        }
        applied.push({ module: m.module, version: m.version, name: m.name });
      }
      return { applied, alreadyApplied: migrations.length - applied.length };
    } finally {
      // On a broken connection the unlock fails, but the session's end releases the lock as well:
      // the connection is dropped from the pool (release with the error) and that is enough.
      if (!broken) {
        broken = await client.query('SELECT pg_advisory_unlock($1::bigint)', [LOCK_KEY]).then(
          () => undefined,
          (err: Error) => err,
        );
      }
      if (broken) client.discard(broken);
    }
  });
}

/** Migrations present on disk but not yet applied (empty when the database is up to date). */
export async function pendingMigrations(
  db: Db,
  migrations = loadMigrations(),
): Promise<Migration[]> {
  const exists = await db.query<{ t: string | null }>(
    "SELECT to_regclass('public.kobling_migrations') AS t",
  );
  if (!exists.rows[0]?.t) return migrations;
  const done = await db.query<{ module: string; version: number }>(
    'SELECT module, version FROM public.kobling_migrations',
  );
  const known = new Set(done.rows.map((r) => `${r.module}/${r.version}`));
  return migrations.filter((m) => !known.has(`${m.module}/${m.version}`));
}
