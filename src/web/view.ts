import type { FastifyReply, FastifyRequest } from 'fastify';
import { csrfTokenFor } from './csrf.ts';
import type { WebAuth, WebUser } from './web-auth.ts';

/** What every page needs to know about the request it answers. */
export interface View {
  readonly user: WebUser | undefined;
  /** The CSRF token for forms and htmx requests of this session ('' when logged out). */
  readonly csrf: string;
  /** The path of the page, for the navigation's current entry. */
  readonly path: string;
  /** The Dynamics 365 Sales pages are offered (the bundled emulator is connected). */
  readonly crmView?: boolean;
}

const crmViews = new WeakMap<FastifyRequest, boolean>();

/** Notes for a request whether the Dynamics 365 Sales pages are offered (set once per request). */
export const noteCrmView = (request: FastifyRequest, available: boolean): void => {
  crmViews.set(request, available);
};

export function viewOf(request: FastifyRequest, auth: WebAuth): View {
  const session = request.cookies?.[auth.sessionCookie];
  return {
    user: auth.userOf(request),
    csrf: session ? csrfTokenFor(session) : '',
    path: request.url.split('?')[0] ?? '/',
    crmView: crmViews.get(request) ?? false,
  };
}

/** True for requests htmx makes (they get fragments, not whole pages). */
export const isHtmx = (request: FastifyRequest): boolean =>
  request.headers['hx-request'] === 'true';

/** Sends rendered HTML (a page or a fragment). */
export async function sendHtml(
  reply: FastifyReply,
  html: JSX.Element,
  status = 200,
): Promise<FastifyReply> {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(await html);
}
