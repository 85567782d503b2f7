import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomSecret } from '../../shared/ids.ts';

/**
 * The key that seals CRM secrets: `KOBLING_SECRET_KEY` when configured, otherwise a random key
 * generated once into `<data dir>/secret.key` (mode 0600). Losing that file means re-entering the
 * CRM client secret, nothing worse.
 */
export function resolveSecretKey(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const key = randomSecret(32);
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}
