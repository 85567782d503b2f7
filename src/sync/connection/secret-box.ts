import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Encrypts secrets at rest (the CRM client secret) with AES-256-GCM. The key is derived from the
 * configured secret key, which lives in configuration or a file beside the data, never in the
 * database: a database dump alone does not reveal the CRM credentials.
 */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

/** A secret box keyed by `secretKey` (any string of ≥ 32 characters). */
export function secretBox(secretKey: string): SecretBox {
  const key = createHash('sha256').update(`kobling:${secretKey}`).digest();
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [
        'v1',
        iv.toString('base64'),
        cipher.getAuthTag().toString('base64'),
        data.toString('base64'),
      ].join(':');
    },
    open(sealed) {
      const [version, iv, tag, data] = sealed.split(':');
      if (version !== 'v1' || !iv || !tag || !data) throw new Error('Unrecognised sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([
        decipher.update(Buffer.from(data, 'base64')),
        decipher.final(),
      ]).toString('utf8');
    },
  };
}
