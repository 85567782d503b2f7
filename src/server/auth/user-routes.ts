import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import { issueApiToken } from './credentials.ts';
import { currentUser } from './guard.ts';
import { issuedTokenOut, tokenSettings } from './routes.ts';
import { listTokens, revokeToken } from './tokens.ts';
import { changeUser, deleteUser, listUsers } from './user-admin.ts';
import { findUserRow, ROLES } from './users.ts';

const tags = ['auth'];
const page = {
  top: z.coerce.number().int().min(1).max(1000).default(100),
  skip: z.coerce.number().int().min(0).max(1_000_000).default(0),
};
const usernameParam = z.strictObject({ username: z.string().min(1).max(64) });

/**
 * The life cycle of users and API tokens: list, disable/enable, change role or password, delete
 * (admins); list and revoke tokens (everyone their own, admins anyone's). A disabled or deleted
 * user's sessions and tokens stop working at the next request.
 */
export function registerUserRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = { roles: ['admin'] as const };

  r.get(
    '/api/auth/users',
    {
      config: admin,
      schema: { tags, summary: 'Users, by name (admin only)', querystring: z.strictObject(page) },
    },
    async (request) => ({ value: await listUsers(ctx.db, request.query) }),
  );

  r.patch(
    '/api/auth/users/:username',
    {
      config: admin,
      schema: {
        tags,
        summary:
          'Disable or enable a user, change the role, display name or password (admin only; never the last enabled admin)',
        params: usernameParam,
        body: z
          .strictObject({
            disabled: z.boolean().optional(),
            role: z.enum(ROLES).optional(),
            displayName: z.string().max(200).optional(),
            password: z.string().min(8, 'must be at least 8 characters').max(200).optional(),
          })
          .refine((b) => Object.keys(b).length > 0, { message: 'Give at least one change' }),
      },
    },
    async (request) => unwrap(await changeUser(ctx.db, request.params.username, request.body)),
  );

  r.delete(
    '/api/auth/users/:username',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Delete a user with their sessions and tokens (admin only; never the last admin)',
        params: usernameParam,
      },
    },
    async (request, reply) => {
      unwrap(await deleteUser(ctx.db, request.params.username));
      return reply.status(204).send();
    },
  );

  r.get(
    '/api/auth/tokens',
    {
      schema: {
        tags,
        summary:
          'API tokens (never the token text): your own, or with ?username= (admins: anyone, or all with ?all=true)',
        querystring: z.strictObject({
          ...page,
          username: z.string().min(1).max(64).optional(),
          all: z.enum(['true', 'false']).optional(),
        }),
      },
    },
    async (request) => {
      const me = currentUser(request);
      const { username, all, ...p } = request.query;
      const other = username !== undefined && username.toLowerCase() !== me.username.toLowerCase();
      if ((other || all === 'true') && me.role !== 'admin')
        throw new AppError('forbidden', "Only admins see other users' tokens");
      let userId: string | undefined = me.id;
      if (all === 'true') userId = undefined;
      else if (other) {
        const row = await findUserRow(ctx.db, username!);
        if (!row) throw new AppError('not_found', `No user named '${username}'`);
        userId = row.id;
      }
      return { value: await listTokens(ctx.db, { userId, ...p }) };
    },
  );

  r.post(
    '/api/auth/tokens',
    {
      config: { roles: ROLES },
      schema: {
        tags,
        summary: 'Create an API token for yourself, optionally expiring',
        body: z.strictObject(tokenSettings),
        response: { 201: issuedTokenOut },
      },
    },
    async (request, reply) => {
      const me = currentUser(request);
      const issued = await issueApiToken(ctx.db, me.id, {
        name: request.body.name ?? 'api',
        expiresInDays: request.body.expiresInDays,
      });
      return reply.status(201).send(issued);
    },
  );

  r.delete(
    '/api/auth/tokens/:id',
    {
      config: { roles: ROLES },
      schema: {
        tags,
        summary: 'Revoke an API token: yours, or anyone’s as an admin',
        params: z.strictObject({ id: z.guid() }),
      },
    },
    async (request, reply) => {
      const me = currentUser(request);
      const revoked = await revokeToken(
        ctx.db,
        request.params.id,
        me.role === 'admin' ? undefined : me.id,
      );
      if (!revoked) throw new AppError('not_found', `No token ${request.params.id} of yours`);
      return reply.status(204).send();
    },
  );
}
