import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomSecret } from '../../shared/ids.ts';

/** The file, in a database's own folder, that holds a generated secret key (mode 0600). */
export const SECRET_KEY_FILE = 'secret.key';

/**
 * The key that seals CRM secrets: `KOBLING_SECRET_KEY` when configured, otherwise a random key
 * generated once into `<data dir>/secret.key` (mode 0600). Command-line processes settle the key
 * at start instead, against the fingerprint the database keeps (integration/secret-key-setup.ts),
 * and pass it on as the configured one; this fallback serves processes built without that step.
 */
export function resolveSecretKey(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, SECRET_KEY_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const key = randomSecret(32);
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}

/**
 * What the database keeps to recognise the key: a hash under its own label, so it is neither the
 * key nor the AES key derived from it (secret-box.ts) and tells nothing about either.
 */
export const keyFingerprint = (key: string): string =>
  createHash('sha256').update(`kobling-key-fingerprint:${key}`).digest('hex');
