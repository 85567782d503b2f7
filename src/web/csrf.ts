import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * CSRF protection for the pages. Every form and htmx request that changes something carries a
 * token derived from the session id; another site can neither read the session cookie nor the
 * page, so it cannot know the token. Derived, not stored: any server process can check it.
 */
export function csrfTokenFor(sessionId: string): string {
  return createHash('sha256').update(`kobling-csrf\u0000${sessionId}`).digest('base64url');
}

/** Constant-time comparison of a sent token with the expected one. */
export function tokensMatch(sent: unknown, expected: string): boolean {
  if (typeof sent !== 'string' || sent.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
}

/** The login form has no session yet: a random value in a cookie and in the form must agree. */
export const LOGIN_CSRF_COOKIE = 'kobling_login_csrf';
export const newLoginToken = (): string => randomBytes(24).toString('base64url');
