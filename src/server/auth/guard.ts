import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { AppError } from '../../shared/errors.ts';
import { userForSession, userForToken } from './credentials.ts';
import type { Role, User } from './users.ts';

export const SESSION_COOKIE = 'kobling_session';

declare module 'fastify' {
  interface FastifyRequest {
    user?: User;
  }
  interface FastifyContextConfig {
    /** Reachable without logging in (health, login, token). */
    public?: boolean;
    /** Roles allowed; by default reads are open to every role and writes to admin and orderProcessor. */
    roles?: readonly Role[];
  }
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const WRITERS: readonly Role[] = ['admin', 'orderProcessor'];

async function authenticate(ctx: AppContext, request: FastifyRequest): Promise<User | undefined> {
  const header = request.headers.authorization;
  if (header) {
    const [scheme, token] = header.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) {
      throw new AppError('unauthenticated', 'The Authorization header must be "Bearer <token>"');
    }
    return userForToken(ctx.db, token);
  }
  const session = request.cookies?.[SESSION_COOKIE];
  return session ? userForSession(ctx.db, session) : undefined;
}

/**
 * Every route requires a logged-in user (session cookie or bearer API token) unless its config
 * says `public: true`; the route's roles (or the read/write default) decide what the user may do.
 */
export function installAuthGuard(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    if (config?.public || !request.routeOptions.url) return;
    const user = await authenticate(ctx, request);
    if (!user) {
      throw new AppError('unauthenticated', 'Log in or send "Authorization: Bearer <token>"', {
        headers: { 'www-authenticate': 'Bearer realm="kobling"' },
      });
    }
    request.user = user;
    const allowed = config?.roles ?? (READ_METHODS.has(request.method) ? undefined : WRITERS);
    if (allowed && !allowed.includes(user.role)) {
      throw new AppError(
        'forbidden',
        `Your role (${user.role}) may not do this; it needs ${allowed.join(' or ')}`,
      );
    }
  });
}

/** The logged-in user of a request that passed the guard. */
export function currentUser(request: FastifyRequest): User {
  if (!request.user) throw new AppError('unauthenticated', 'Not logged in');
  return request.user;
}
