import type { FastifyInstance } from 'fastify';
import { AppError } from '../shared/errors.ts';
import { findUnacceptable } from '../shared/input-checks.ts';

/**
 * Refuses, before any handler runs, request values no part can store: NUL characters and lone
 * surrogates in any string of the body, query or path, and JSON numbers beyond ±2^53. Without
 * this they reach PostgreSQL and fail there as a 500, or are silently changed.
 */
export function installInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const where = [
      ['path', request.params],
      ['query', request.query],
      ['body', request.body],
    ] as const;
    for (const [name, value] of where) {
      const bad = findUnacceptable(value);
      if (bad) throw new AppError('bad_request', `Request ${name}: ${bad}`);
    }
  });
}
