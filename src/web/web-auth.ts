import type { FastifyRequest } from 'fastify';
import type { Result } from '../shared/result.ts';

/** The roles the pages know; the server's user model has the same names. */
export type WebRole = 'admin' | 'orderProcessor' | 'readOnly';

/** The logged-in user as the pages see it. */
export interface WebUser {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly role: WebRole;
}

/**
 * What the web UI needs from the server's login (sessions, password check). The server hands it
 * in, so the pages use the very same login and session cookie as the API without importing the
 * server (which sits above the UI).
 */
export interface WebAuth {
  /** Name of the session cookie the API's login sets. */
  readonly sessionCookie: string;
  readonly sessionMaxAgeSeconds: number;
  /** Checks the password and opens a session (the opaque id goes into the cookie). */
  login(
    username: string,
    password: string,
    address: string,
  ): Promise<Result<{ user: WebUser; sessionId: string }>>;
  logout(sessionId: string): Promise<void>;
  /** The user the server's guard found for this request. */
  userOf(request: FastifyRequest): WebUser | undefined;
}

/** True when the role may change data (the API's default for writes). */
export const canWrite = (user: WebUser | undefined): boolean =>
  user?.role === 'admin' || user?.role === 'orderProcessor';

/** True for administrators (connection setup, mappings). */
export const isAdmin = (user: WebUser | undefined): boolean => user?.role === 'admin';
