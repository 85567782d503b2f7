import type { AppContext } from '../../app/context.ts';
import { ok } from '../../shared/result.ts';
import type { WebAuth } from '../../web/web-auth.ts';
import { createSession, deleteSession, SESSION_TTL_MS } from './credentials.ts';
import { SESSION_COOKIE } from './guard.ts';
import { checkLogin } from './login.ts';

/** The server's login, sessions and guard, as the web UI uses them. */
export function webAuthFor(ctx: AppContext): WebAuth {
  return {
    sessionCookie: SESSION_COOKIE,
    sessionMaxAgeSeconds: SESSION_TTL_MS / 1000,
    async login(username, password, address) {
      const checked = await checkLogin(ctx.db, username, password, address);
      if (!checked.ok) return checked;
      const sessionId = await createSession(ctx.db, checked.value.id);
      return ok({ user: checked.value, sessionId });
    },
    logout: (sessionId) => deleteSession(ctx.db, sessionId),
    userOf: (request) => request.user,
  };
}
