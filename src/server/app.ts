import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { AppContext } from '../app/context.ts';
import { recordHttpRequest } from '../integration/metrics/http-metrics.ts';
import { installAuthGuard } from './auth/guard.ts';
import { clientErrorHandler, frameworkErrors, installErrorHandler } from './error-handler.ts';
import { installInputGuard } from './input-guard.ts';
import { installJsonBodyParser } from './json-body.ts';
import { type RouteModule, routeModules } from './route-modules.ts';

/** Builds the HTTP server (not listening yet): docs, auth, error handling and every part's routes. */
export async function buildServer(
  ctx: AppContext,
  modules: readonly RouteModule[] = routeModules,
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.logger as unknown as FastifyBaseLogger,
    bodyLimit: 4 * 1024 * 1024,
    // Behind a TLS-terminating proxy named in KOBLING_TRUST_PROXY, request.protocol and request.ip
    // come from X-Forwarded-Proto / X-Forwarded-For (so the session cookie is Secure and login
    // throttling sees the client's address); from anyone else those headers are ignored.
    trustProxy: ctx.config.server.trustProxy ?? false,
    frameworkErrors,
    clientErrorHandler,
    // One line per request at debug level (below): at info they drown what matters.
    logController: new LogController({ disableRequestLogging: true }),
  });
  installJsonBodyParser(app);
  app.addHook('onResponse', async (req, reply) => {
    recordHttpRequest(req.method, req.routeOptions.url, reply.statusCode, reply.elapsedTime);
    req.log.debug(
      { method: req.method, url: req.url, status: reply.statusCode, ms: reply.elapsedTime },
      'request completed',
    );
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  installInputGuard(app);
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Kobling API',
        version: '0.1.0',
        description:
          'ERP API (Business Central v2.0 conventions), integration API and authentication. ' +
          'Authenticate with the session cookie from POST /api/auth/login or a bearer token from POST /api/auth/token.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  // The docs are public: they describe the API, they do not expose data.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...(route.config as object), public: true };
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
  installAuthGuard(app, ctx);
  for (const register of modules) await register(app, ctx);
  return app;
}
