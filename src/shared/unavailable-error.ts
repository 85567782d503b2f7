import { isDatabaseUnavailable } from './database-errors.ts';
import { AppError } from './errors.ts';
import { StoppedByShutdown } from './stopping.ts';

/** Seconds a client is asked to wait before trying again when the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * The answer for a failure that says nothing about the request: the database cannot be reached
 * (503 `database_unavailable`), or the process is stopping and ended the work (503 `not_ready`);
 * both with Retry-After. Undefined for anything else. Used where exceptions become HTTP answers.
 */
export function unavailableError(err: unknown): AppError | undefined {
  const headers = { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) };
  if (err instanceof StoppedByShutdown)
    return new AppError('not_ready', 'The server is stopping; try again in a moment', {
      headers,
    });
  if (!isDatabaseUnavailable(err)) return undefined;
  return new AppError(
    'database_unavailable',
    'The database cannot be reached right now (restarting or unreachable); try again in a few seconds',
    { headers },
  );
}
