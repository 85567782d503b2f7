import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Db, Queryable } from '../db/db.ts';
import { databaseFolder, legacyFolders, readSystemId } from '../db/system-identity.ts';
import type { Config } from '../shared/config.ts';
import { randomSecret } from '../shared/ids.ts';
import { failure, ok, type Result } from '../shared/result.ts';
import { readConnection } from '../sync/connection/connection-repo.ts';
import { secretBox } from '../sync/connection/secret-box.ts';
import { keyFingerprint, SECRET_KEY_FILE } from '../sync/connection/secret-key.ts';

const FINGERPRINT = 'secretKeyFingerprint';

/** The key a process seals and opens CRM secrets with, and where it came from. */
export interface SettledKey {
  readonly key: string;
  readonly source: 'configured' | 'file' | 'generated';
  /** The file read or written (never its content). */
  readonly file?: string;
}

/**
 * Settles, at a process's start, the one key every process on a database must share. The database
 * keeps the key's fingerprint (never the key), so a process with another key, or none, stops here
 * with what to do instead of sealing with a key of its own — which would leave secrets the others
 * cannot open (`secret_unreadable`). A key is generated only for a database that has no key yet:
 * no fingerprint and no sealed secret. Databases from before the fingerprint accept the key that
 * opens their sealed secret, and then remember it.
 */
export async function settleSecretKey(db: Db, config: Config): Promise<Result<SettledKey>> {
  const systemId = await readSystemId(db);
  const folder = databaseFolder(config, systemId);
  const stored = await storedFingerprint(db);
  const sealed = (await readConnection(db)).sealedSecret;
  const fits = (key: string) => (stored ? keyFingerprint(key) === stored : opens(key, sealed));
  const guide = howToShare(folder, config);

  if (config.secretKey) {
    if (!fits(config.secretKey))
      return failure(
        'secret_key_mismatch',
        `KOBLING_SECRET_KEY is not the key this database's CRM secrets are sealed with. ${guide}`,
      );
    return remembered(db, { key: config.secretKey, source: 'configured' }, guide);
  }
  const files = [folder, ...legacyFolders(config)]
    .map((f) => path.join(f, SECRET_KEY_FILE))
    .filter((f) => existsSync(f));
  for (const file of files) {
    const key = readFileSync(file, 'utf8').trim();
    if (fits(key)) return remembered(db, { key, source: 'file', file }, guide);
  }
  if (files.length > 0)
    return failure(
      'secret_key_mismatch',
      `The key in ${files.join(' and ')} is not the key this database's CRM secrets are sealed with (it belongs to another database). ${guide}`,
    );
  if (stored || sealed)
    return failure(
      'secret_key_missing',
      `This database's CRM secrets are sealed with a key this process does not have (no KOBLING_SECRET_KEY, no ${path.join(folder, SECRET_KEY_FILE)}); a new key would not open them. ${guide}`,
    );
  const file = path.join(folder, SECRET_KEY_FILE);
  mkdirSync(folder, { recursive: true });
  const key = randomSecret(32);
  try {
    writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process of this folder generated it a moment ago: that key is the one.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return settleSecretKey(db, config);
    throw err;
  }
  const settled = await remembered(db, { key, source: 'generated', file }, guide);
  // A process elsewhere settled its own key first: ours was never used, so it must not linger.
  if (!settled.ok) unlinkSync(file);
  return settled;
}

/**
 * Forgets the stored CRM client secret and the key fingerprint, for when the key is lost: the next
 * start settles a key again and the secret has to be entered again. Says whether there was any.
 */
export async function forgetSecretKey(
  db: Db,
): Promise<{ secretCleared: boolean; fingerprintCleared: boolean }> {
  return db.transaction(async (tx) => {
    const secret = await tx.query(
      'UPDATE integration.connection SET client_secret_enc = NULL, updated_at = now() WHERE client_secret_enc IS NOT NULL',
    );
    const fp = await tx.query('DELETE FROM app.settings WHERE key = $1', [FINGERPRINT]);
    return {
      secretCleared: (secret.rowCount ?? 0) > 0,
      fingerprintCleared: (fp.rowCount ?? 0) > 0,
    };
  });
}

async function storedFingerprint(q: Queryable): Promise<string | undefined> {
  const r = await q.query<{ value: string }>(
    "SELECT value #>> '{}' AS value FROM app.settings WHERE key = $1",
    [FINGERPRINT],
  );
  return r.rows[0]?.value;
}

/** Records the key's fingerprint unless one is there; two first starts racing agree on one key. */
async function remembered(db: Db, settled: SettledKey, guide: string): Promise<Result<SettledKey>> {
  const fp = keyFingerprint(settled.key);
  await db.query(
    'INSERT INTO app.settings (key, value) VALUES ($1, to_jsonb($2::text)) ON CONFLICT (key) DO NOTHING',
    [FINGERPRINT, fp],
  );
  if ((await storedFingerprint(db)) !== fp)
    return failure(
      'secret_key_mismatch',
      `Another Kobling process settled this database's key a moment ago, and it is not this one. ${guide}`,
    );
  return ok(settled);
}

function opens(key: string, sealed: string | null): boolean {
  if (!sealed) return true;
  try {
    secretBox(key).open(sealed);
    return true;
  } catch {
    return false;
  }
}

/** What to do, said once for every failure: where the key is, and how to start over without it. */
function howToShare(folder: string, config: Config): string {
  const where = config.database.url
    ? `${path.join(folder, SECRET_KEY_FILE).replace(config.dataDir, '<data folder>')} on the machine that started Kobling first`
    : path.join(folder, SECRET_KEY_FILE);
  return `Every process sharing a database needs the same key: set KOBLING_SECRET_KEY to the value of the first process (its KOBLING_SECRET_KEY, or the content of ${where}). If that key is lost, run \`kobling secret-key reset\` and enter the CRM client secret again.`;
}
