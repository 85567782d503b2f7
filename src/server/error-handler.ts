import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, statusForCode } from '../shared/errors.ts';
import { clientErrorStatus, rawErrorResponse } from '../shared/http-client-errors.ts';
import { unavailableError } from '../shared/unavailable-error.ts';
import { trackRouteMethods } from './allowed-methods.ts';

/** The body of every error answer: `{"error":{"code","message"}}`, plus details when useful. */
export const errorBody = (code: string, message: string, details?: unknown) => ({
  error: details === undefined ? { code, message } : { code, message, details },
});

const FASTIFY_CODES: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'invalid_json',
    message: 'The request body is not valid JSON',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'invalid_json',
    message: 'The request body is empty but the content type is JSON',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'payload_too_large',
    message: 'The request body is too large',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'Unsupported content type; send application/json',
  },
  FST_ERR_VALIDATION: { status: 400, code: 'validation_failed' },
};

/**
 * The one place where exceptions become HTTP answers: a database that cannot be reached is a 503
 * `database_unavailable` with Retry-After, AppErrors keep their code and status, framework errors
 * get clear codes, anything else is a 500 whose details go to the log only. A request no route takes
 * is a 405 when its path has other methods, else a 404.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    // The database gone (a restart, a network cut) or the process stopping: not the request's
    // fault nor a bug, so a 503 the client may retry, logged at warn.
    const unavailable =
      err instanceof AppError && err.status < 500 ? undefined : unavailableError(err);
    if (unavailable) {
      request.log.warn({ err, code: unavailable.code }, unavailable.message);
      reply.headers(unavailable.headers ?? {});
      return reply
        .status(unavailable.status)
        .send(errorBody(unavailable.code, unavailable.message));
    }
    if (err instanceof AppError) {
      if (err.headers) reply.headers(err.headers);
      if (err.status >= 500) request.log.error({ err }, err.message);
      return reply.status(err.status).send(errorBody(err.code, err.message, err.details));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? 'body';
      const issues = err.validation.map((v) => {
        const field = v.instancePath.split('/').filter(Boolean).join('.');
        const keys =
          v.keyword === 'unrecognized_keys' ? (v.params as { keys?: string[] }).keys : undefined;
        return {
          path: field ? `${where}.${field}` : where,
          code: v.keyword,
          message: v.message,
          ...(keys ? { keys } : {}),
        };
      });
      const unknown = issues.some((i) => i.code === 'unrecognized_keys');
      const message = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      return reply
        .status(400)
        .send(errorBody(unknown ? 'unknown_field' : 'validation_failed', message, issues));
    }
    const known = err.code ? FASTIFY_CODES[err.code] : undefined;
    if (known)
      return reply.status(known.status).send(errorBody(known.code, known.message ?? err.message));
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send(errorBody('bad_request', err.message));
    }
    request.log.error({ err }, 'unhandled error');
    return reply
      .status(500)
      .send(
        errorBody(
          'internal_error',
          'Something went wrong on our side; the details are in the server log',
        ),
      );
  });
  const methodsOf = trackRouteMethods(app);
  // A path routed for other methods is a wrong method (405 with Allow), not a missing resource;
  // OPTIONS on it answers what it allows. The Allow list includes OPTIONS, answered here.
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const routed = methodsOf(path);
    if (routed.length === 0 || routed.includes(request.method))
      return reply
        .status(404)
        .send(errorBody('not_found', `No route for ${request.method} ${path}`));
    const allowed = [...routed, 'OPTIONS'].join(', ');
    reply.header('allow', allowed);
    if (request.method === 'OPTIONS') return reply.status(204).send();
    return reply
      .status(statusForCode('method_not_allowed'))
      .send(
        errorBody(
          'method_not_allowed',
          `${request.method} is not allowed on ${path}; it allows ${allowed}`,
        ),
      );
  });
}

/**
 * Fastify's `frameworkErrors` option: errors raised before routing (a URL that cannot be decoded,
 * FST_ERR_BAD_URL) answered in the error shape instead of Fastify's own.
 */
export function frameworkErrors(
  err: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status =
    err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
  reply
    .status(status)
    .send(
      errorBody(
        'bad_request',
        err.code === 'FST_ERR_BAD_URL' ? 'The URL is not valid' : err.message,
      ),
    );
}

/** Fastify's `clientErrorHandler` option: parser errors (431, 408, 400) in the error shape. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const { status, message } = clientErrorStatus(err);
  const code =
    status === 431 ? 'headers_too_large' : status === 408 ? 'request_timeout' : 'bad_request';
  rawErrorResponse(socket, status, JSON.stringify(errorBody(code, message)));
}
