import type { FastifyInstance } from 'fastify';

/**
 * JSON bodies for every route: an empty body is no body, whatever its Content-Type says. Generic
 * OData and HTTP clients send `Content-Type: application/json` on DELETE and on bound actions and
 * `runNow` calls that carry nothing; those requests must not fail on the missing `{}`. Everything
 * else goes through Fastify's own parser (prototype-poisoning checks included).
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (String(body).trim() === '') {
      done(null, undefined);
      return;
    }
    parse(req, body as string, done);
  });
}
