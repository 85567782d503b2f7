import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import { createSession, deleteSession, issueApiToken, SESSION_TTL_MS } from './credentials.ts';
import { currentUser, SESSION_COOKIE } from './guard.ts';
import { checkLogin } from './login.ts';
import { createUser, newUserSchema, ROLES } from './users.ts';

const credentials = z.strictObject({
  username: z.string().min(1).max(200),
  password: z.string().min(1).max(1000),
});
/** Optional settings of a token: what it is for and after how many days it stops working. */
export const tokenSettings = {
  name: z.string().max(100).optional(),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
};
export const issuedTokenOut = z.object({
  token: z.string(),
  id: z.string(),
  name: z.string(),
  expiresAt: z.string().nullable(),
});
const userOut = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(ROLES),
});

/** Login/logout (session cookie), API tokens, the current user, and user administration. */
export function registerAuthRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const login = async (body: z.infer<typeof credentials>, address: string) => {
    const result = await checkLogin(ctx.db, body.username, body.password, address);
    if (!result.ok && result.error.code === 'too_many_requests') {
      const retry = (result.error.details as { retryAfterSeconds: number }).retryAfterSeconds;
      throw new AppError(result.error.code, result.error.message, {
        headers: { 'retry-after': String(retry) },
      });
    }
    return unwrap(result);
  };

  r.post(
    '/api/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Log in; sets the session cookie',
        body: credentials,
        response: { 200: userOut },
      },
    },
    async (request, reply) => {
      const user = await login(request.body, request.ip);
      const session = await createSession(ctx.db, user.id);
      reply.setCookie(SESSION_COOKIE, session, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: request.protocol === 'https',
        maxAge: SESSION_TTL_MS / 1000,
      });
      return user;
    },
  );

  r.post(
    '/api/auth/logout',
    {
      config: { public: true },
      schema: { tags: ['auth'], summary: 'Log out; ends the session' },
    },
    async (request, reply) => {
      const session = request.cookies[SESSION_COOKIE];
      if (session) await deleteSession(ctx.db, session);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send();
    },
  );

  r.post(
    '/api/auth/token',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary:
          'Exchange a username and password for an API token (send it as "Authorization: Bearer <token>"), optionally expiring',
        body: credentials.extend(tokenSettings),
        response: { 200: issuedTokenOut },
      },
    },
    async (request) => {
      const { name, expiresInDays, ...creds } = request.body;
      const user = await login(creds, request.ip);
      return issueApiToken(ctx.db, user.id, { name: name ?? 'api', expiresInDays });
    },
  );

  r.get(
    '/api/auth/me',
    {
      schema: { tags: ['auth'], summary: 'The logged-in user', response: { 200: userOut } },
    },
    async (request) => currentUser(request),
  );

  r.post(
    '/api/auth/users',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['auth'],
        summary: 'Create a user (admin only)',
        body: newUserSchema,
        response: { 201: userOut },
      },
    },
    async (request, reply) =>
      reply.status(201).send(unwrap(await createUser(ctx.db, request.body))),
  );
}
