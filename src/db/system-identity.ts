import path from 'node:path';
import type { Config } from '../shared/config.ts';
import type { Queryable } from './db.ts';

/** The database's own id, set by its first migration run (db/003_system_identity.sql). */
export async function readSystemId(q: Queryable): Promise<string> {
  const r = await q.query<{ value: string }>(
    "SELECT value #>> '{}' AS value FROM app.settings WHERE key = 'systemId'",
  );
  const id = r.rows[0]?.value;
  if (!id) throw new Error('The database has no system id: run the migrations first');
  return id;
}

/**
 * Where files that belong to one database live. The embedded database lives in the data folder
 * itself, so that folder is its own. An external database can be shared by installs in one
 * folder (or used from many folders), so its files go to `<data folder>/databases/<system id>`.
 */
export function databaseFolder(config: Pick<Config, 'dataDir' | 'database'>, systemId: string) {
  return config.database.url ? path.join(config.dataDir, 'databases', systemId) : config.dataDir;
}

/** Other places a file of this database may be (before it had its own folder): oldest last. */
export function legacyFolders(config: Pick<Config, 'dataDir' | 'database'>): string[] {
  return config.database.url ? [config.dataDir] : [];
}
