/**
 * Whether an error means the database cannot be reached right now (a restart, an administrator
 * ending the connection, PostgreSQL shutting down or not answering, the pool closed by a stop),
 * rather than a statement the database refused. Such a failure says nothing about the request or
 * the job: it is worth trying again shortly.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  return unavailable(err, 0);
}

/**
 * PostgreSQL's codes for a server going away: 57P01 admin_shutdown (pg_terminate_backend, a fast
 * shutdown), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up or shutting down).
 * Class 08 (connection exception) is matched by prefix.
 */
const SERVER_GONE = new Set(['57P01', '57P02', '57P03']);

/** Node's socket errors when nothing answers where the database should be. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** What `pg` and `pg-pool` say when the connection dies or the pool is closed (no code). */
const MESSAGES = [
  'Connection terminated',
  'Cannot use a pool after calling end on the pool',
  'Client has encountered a connection error and is not queryable',
  'timeout exceeded when trying to connect',
  'Client was closed and is not queryable',
];

function unavailable(err: unknown, depth: number): boolean {
  if (!(err instanceof Error) || depth > 4) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (SERVER_GONE.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
    // A socket error counts only when raised by the database driver itself (top level, or one of
    // the addresses `pg` tried): one reached through a cause may be a CRM request's (`fetch
    // failed` wraps ECONNREFUSED), which is not the database.
    if (depth === 0 && SOCKET_CODES.has(code)) return true;
  }
  if (MESSAGES.some((m) => err.message.startsWith(m))) return true;
  if (err instanceof AggregateError && depth === 0)
    return err.errors.some(
      (e) => e instanceof Error && SOCKET_CODES.has(String((e as { code?: unknown }).code)),
    );
  return unavailable(err.cause, depth + 1);
}
