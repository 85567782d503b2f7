import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError } from '../shared/errors.ts';
import { unavailableError } from '../shared/unavailable-error.ts';
import { ErrorBanner } from './components/banner.tsx';
import { Layout } from './layout.tsx';
import { isHtmx, sendHtml, viewOf } from './view.ts';
import type { WebAuth } from './web-auth.ts';

const TITLES: Record<number, string> = {
  400: 'Please check your input',
  401: 'Please log in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Not possible right now',
  412: 'Changed by someone else',
  422: 'Not possible',
  429: 'Too many attempts',
  502: 'Trouble with Dynamics 365 Sales',
  503: 'Not available',
};

/**
 * Errors on pages become readable banners (never a stack trace): an htmx action gets the banner in
 * the page's message area; a page load gets the page frame with the banner. Not being logged in
 * leads to the login page.
 */
export function webErrorHandler(auth: WebAuth) {
  return async (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    let status = 500;
    let message = 'Something went wrong on our side; the details are in the server log.';
    const unavailable =
      err instanceof AppError && err.status < 500 ? undefined : unavailableError(err);
    if (unavailable) {
      status = unavailable.status;
      message = unavailable.message;
      reply.header('retry-after', unavailable.headers?.['retry-after']);
      request.log.warn({ err, code: unavailable.code }, message);
    } else if (err instanceof AppError) {
      status = err.status;
      message = err.message;
      if (err.headers?.['retry-after']) reply.header('retry-after', err.headers['retry-after']);
    } else if (hasZodFastifySchemaValidationErrors(err)) {
      status = 400;
      message = err.validation.map((v) => v.message).join('; ');
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      status = err.statusCode;
      message = err.message;
    }
    if (status >= 500 && !unavailable) request.log.error({ err }, 'page failed');
    if (status === 401 && !request.url.startsWith('/login')) {
      const next = encodeURIComponent(request.url);
      if (isHtmx(request)) {
        return reply.status(401).header('hx-redirect', `/login?next=${next}`).send('');
      }
      return reply.redirect(`/login?next=${next}`, 303);
    }
    const banner = <ErrorBanner title={TITLES[status] ?? 'That did not work'} message={message} />;
    if (isHtmx(request)) {
      reply.header('hx-retarget', '#flash').header('hx-reswap', 'innerHTML');
      return sendHtml(reply, banner, status);
    }
    return sendHtml(
      reply,
      <Layout view={viewOf(request, auth)} title={TITLES[status] ?? 'Error'}>
        {banner}
      </Layout>,
      status,
    );
  };
}
