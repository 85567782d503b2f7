import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../src/app/context.ts';
import type { Db } from '../../src/db/db.ts';
import { buildServer } from '../../src/server/app.ts';
import { createApiToken } from '../../src/server/auth/credentials.ts';
import { createUser, type Role } from '../../src/server/auth/users.ts';
import type { RouteModule } from '../../src/server/route-modules.ts';
import { type Clock, systemClock } from '../../src/shared/clock.ts';
import { loadConfig } from '../../src/shared/config.ts';
import { createLogger } from '../../src/shared/logger.ts';

/** A listening server on a random port over a test database, with helpers to call it. */
export interface TestServer {
  readonly app: FastifyInstance;
  readonly baseUrl: string;
  readonly ctx: AppContext;
  /** Creates a user with the role and returns a bearer token for it. */
  tokenFor(role: Role, username?: string): Promise<string>;
  close(): Promise<void>;
}

/** Test configuration: the defaults, with the environment given. */
export function testConfig(env: Record<string, string> = {}) {
  const result = loadConfig({ KOBLING_LOG_LEVEL: 'silent', ...env });
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.config;
}

/** Listens on a random loopback port; answers the server's base URL (`http://127.0.0.1:PORT`). */
export async function listenOnLoopback(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

/** Starts the real HTTP server (all route modules unless given) on a random loopback port. */
export async function startTestServer(
  db: Db,
  modules?: readonly RouteModule[],
  env: Record<string, string> = {},
  clock: Clock = systemClock,
): Promise<TestServer> {
  const config = testConfig(env);
  const ctx: AppContext = { config, db, logger: createLogger('silent'), clock };
  const app = await buildServer(ctx, modules);
  const baseUrl = await listenOnLoopback(app);
  let n = 0;
  return {
    app,
    ctx,
    baseUrl,
    async tokenFor(role, username) {
      const name = username ?? `${role}-${process.pid}-${++n}`;
      const user = await createUser(db, {
        username: name,
        password: 'correct horse battery',
        role,
      });
      if (!user.ok) throw new Error(user.error.message);
      return createApiToken(db, user.value.id);
    },
    close: () => app.close(),
  };
}

/** A JSON request with a bearer token: the answer's status, its text and its parsed body. */
export async function callJson(url: string, method: string, token: string, body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected freely
  const json: any = text ? JSON.parse(text) : undefined;
  return { status: res.status, text, json };
}

/**
 * A GET of a list page with the bearer `token` and, given `pageSize`, `Prefer: odata.maxpagesize`:
 * the status, the JSON answer and the preference the server applied.
 */
export async function getPage(target: string, token: string, pageSize?: number) {
  const res = await fetch(target, {
    headers: {
      authorization: `Bearer ${token}`,
      ...(pageSize ? { prefer: `odata.maxpagesize=${pageSize}` } : {}),
    },
  });
  // biome-ignore lint/suspicious/noExplicitAny: answers are inspected freely
  const json: any = await res.json();
  return { status: res.status, json, applied: res.headers.get('preference-applied') };
}

/**
 * Follows the `@odata.nextLink`s from `first` to the last page (each answers 200): the rows' ids in
 * order, the size of each page and each page's `@odata.count`.
 */
export async function followNextLinks(first: string, token: string, pageSize?: number) {
  const ids: unknown[] = [];
  const sizes: number[] = [];
  const counts: unknown[] = [];
  let next: string | undefined = first;
  while (next) {
    const page = await getPage(next, token, pageSize);
    assert.equal(page.status, 200, JSON.stringify(page.json));
    ids.push(...page.json.value.map((r: { id: unknown }) => r.id));
    sizes.push(page.json.value.length);
    counts.push(page.json['@odata.count']);
    next = page.json['@odata.nextLink'];
  }
  return { ids, sizes, counts };
}

/**
 * Signs `username` (made by `tokenFor`) in to the web UI through the login form, as a browser
 * would: answers the session's Cookie header and a GET of a page with it.
 */
export async function signIn(server: TestServer, username: string) {
  const cookies = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [name, value] = c.split(';')[0]!.split('=');
      cookies.set(name!, value ?? '');
    }
  };
  const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const login = await fetch(`${server.baseUrl}/login`);
  keep(login);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1]!;
  const loggedIn = await fetch(`${server.baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie() },
    body: new URLSearchParams({
      _csrf: csrf,
      next: '/',
      username,
      password: 'correct horse battery',
    }).toString(),
  });
  if (loggedIn.status !== 303) throw new Error(`signing in as ${username}: ${loggedIn.status}`);
  keep(loggedIn);
  const page = async (path: string) => {
    const res = await fetch(`${server.baseUrl}${path}`, { headers: { cookie: cookie() } });
    return { status: res.status, html: await res.text() };
  };
  return { cookie, page };
}
