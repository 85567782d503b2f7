import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Claims of the emulator's access tokens (a subset of an Entra ID v1 access token). */
export interface TokenClaims {
  readonly aud: string;
  readonly iss: string;
  readonly tid: string;
  readonly appid: string;
  /** The application user's systemuserid. */
  readonly oid: string;
  readonly iat: number;
  readonly nbf: number;
  readonly exp: number;
}

const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** Signs claims as an HS256 JWT. */
export function signToken(key: Buffer, claims: TokenClaims): string {
  const head = b64(JSON.stringify({ typ: 'JWT', alg: 'HS256' }));
  const body = b64(JSON.stringify(claims));
  const sig = createHmac('sha256', key).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** Checks signature and lifetime; undefined when the token is not valid now. */
export function verifyToken(
  key: Buffer,
  token: string,
  nowSeconds: number,
): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const expected = createHmac('sha256', key).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2]!, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as TokenClaims;
    if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds) return undefined;
    if (typeof claims.nbf === 'number' && claims.nbf > nowSeconds + 300) return undefined;
    return claims;
  } catch {
    return undefined;
  }
}

/** The stored form of a client secret: only a hash is kept. */
export const hashSecret = (secret: string) =>
  `sha256:${createHash('sha256').update(secret, 'utf8').digest('hex')}`;

export function secretMatches(secret: string, stored: string): boolean {
  const a = Buffer.from(hashSecret(secret));
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether a token resource / audience names this org (its URL, with or without a trailing slash;
 * a loopback org answers to any loopback name on its port). Entra ID issues tokens only for a
 * known resource and Dataverse accepts only tokens whose audience is the org.
 */
export function isOrgResource(resource: string, orgUrl: string): boolean {
  try {
    const a = new URL(resource.trim());
    const b = new URL(orgUrl);
    if (a.protocol !== b.protocol || a.port !== b.port) return false;
    if (a.pathname.replace(/\/+$/, '') !== '' || a.search || a.hash) return false;
    return (
      a.hostname.toLowerCase() === b.hostname.toLowerCase() ||
      (LOOPBACK.has(a.hostname.toLowerCase()) && LOOPBACK.has(b.hostname.toLowerCase()))
    );
  } catch {
    return false;
  }
}
