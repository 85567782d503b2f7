import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ErrorBanner } from '../components/banner.tsx';
import { LOGIN_CSRF_COOKIE, newLoginToken, tokensMatch } from '../csrf.ts';
import { parseInput } from '../form.ts';
import { Layout } from '../layout.tsx';
import { sendHtml } from '../view.ts';
import type { WebDeps } from '../web-deps.ts';

const loginForm = z.object({
  username: z.string().trim().min(1, 'Enter your user name').max(200),
  password: z.string().min(1, 'Enter your password').max(1000),
  next: z.string().max(2000).optional(),
  _csrf: z.string().optional(),
});

/** Only same-site paths are followed after logging in (no open redirect). */
const safeNext = (next: string | undefined): string =>
  next?.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';

function LoginPage(props: { token: string; next: string; error?: string; username?: string }) {
  return (
    <Layout view={{ user: undefined, csrf: '', path: '/login' }} title="Log in">
      <div class="login">
        {props.error ? <ErrorBanner title="Log in failed" message={props.error} /> : ''}
        <form method="post" action="/login" class="stack">
          <input type="hidden" name="_csrf" value={props.token} />
          <input type="hidden" name="next" value={props.next} />
          <label for="username">User name</label>
          <input
            id="username"
            name="username"
            autocomplete="username"
            required
            autofocus
            value={props.username ?? ''}
          />
          <label for="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
          />
          <button type="submit" class="primary">
            Log in
          </button>
        </form>
        <p class="hint">
          The administrator's password is printed by <code>npm start</code> on the first start.
        </p>
      </div>
    </Layout>
  );
}

/** The login page (form, same users and sessions as the API) and logging out. */
export function registerLoginPages(web: FastifyInstance, { auth }: WebDeps): void {
  const cookieOptions = (secure: boolean) => ({
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure,
  });
  web.get<{ Querystring: { next?: string } }>(
    '/login',
    { config: { public: true } },
    async (request, reply) => {
      const token = newLoginToken();
      reply.setCookie(LOGIN_CSRF_COOKIE, token, {
        ...cookieOptions(request.protocol === 'https'),
        maxAge: 3600,
      });
      const next = typeof request.query.next === 'string' ? request.query.next : '/';
      return sendHtml(reply, <LoginPage token={token} next={safeNext(next)} />);
    },
  );
  web.post('/login', { config: { public: true } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const again = async (error: string, status: number) => {
      const token = newLoginToken();
      reply.setCookie(LOGIN_CSRF_COOKIE, token, {
        ...cookieOptions(request.protocol === 'https'),
        maxAge: 3600,
      });
      return sendHtml(
        reply,
        <LoginPage
          token={token}
          next={safeNext(typeof body['next'] === 'string' ? body['next'] : undefined)}
          error={error}
          username={typeof body['username'] === 'string' ? body['username'] : ''}
        />,
        status,
      );
    };
    const expected = request.cookies?.[LOGIN_CSRF_COOKIE];
    if (!expected || !tokensMatch(body['_csrf'], expected)) {
      return again('The login form has expired; please log in again.', 403);
    }
    let input: z.infer<typeof loginForm>;
    try {
      input = parseInput(loginForm, body);
    } catch (err) {
      return again((err as Error).message, 400);
    }
    const result = await auth.login(input.username, input.password, request.ip);
    if (!result.ok) {
      return again(result.error.message, result.error.code === 'too_many_requests' ? 429 : 401);
    }
    reply.clearCookie(LOGIN_CSRF_COOKIE, { path: '/' });
    reply.setCookie(auth.sessionCookie, result.value.sessionId, {
      ...cookieOptions(request.protocol === 'https'),
      maxAge: auth.sessionMaxAgeSeconds,
    });
    return reply.redirect(safeNext(input.next), 303);
  });
  web.post('/logout', async (request, reply) => {
    const session = request.cookies?.[auth.sessionCookie];
    if (session) await auth.logout(session);
    reply.clearCookie(auth.sessionCookie, { path: '/' });
    return reply.redirect('/login', 303);
  });
}
