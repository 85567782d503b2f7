import pg from 'pg';
import type { Logger } from '../shared/logger.ts';
import { unlessStopping } from '../shared/stopping.ts';

// Dates stay 'yyyy-mm-dd' strings (a Date would shift with the time zone); bigint counters fit in a
// double for any realistic table, so they arrive as numbers; numeric stays a string for exactness.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** Anything that runs a parameterized statement: the pool or a transaction's client. */
export interface Queryable {
  query<R extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/** The database as every part sees it: parameterized queries and transactions. */
export interface Db extends Queryable {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(
    fn: (tx: Queryable) => Promise<T>,
    options?: { isolation?: 'serializable' | 'repeatable read' },
  ): Promise<T>;
  /**
   * Runs `fn` with a connection of its own from `pool` (this pool by default) kept across awaits:
   * see `holdClient`. Every holder of a connection goes through here or `transaction`.
   */
  hold<T>(holder: string, fn: (client: HeldClient) => Promise<T>, pool?: pg.Pool): Promise<T>;
  /** Where the database layer reports what it copes with (lost connections); none in some tests. */
  readonly logger?: Logger;
  /** The connection string the pool uses (for pg-boss and child processes; holds the password). */
  readonly url: string;
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

/**
 * A pool's `error` event: an idle client lost its connection (a server restart, a network cut).
 * The pool has already dropped it and the next query opens a new one; a query running on it
 * fails on its own. Without a handler the event would crash the process.
 */
export function dropBrokenIdleClient(_err: Error): void {
  // Nothing else to do: see above.
}

/**
 * Opens a connection pool on `url`. The logger reports connections lost while held (tests may go
 * without: the holder's failing query reports the loss all the same).
 */
export function openDb(
  url: string,
  options: { max?: number; applicationName?: string; logger?: Logger } = {},
): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'kobling',
  });
  pool.on('error', dropBrokenIdleClient);
  const hold: Db['hold'] = (holder, fn, from) =>
    holdClient(from ?? pool, holder, options.logger, fn);
  return {
    url,
    pool,
    query: (text, params) => pool.query(text, params as unknown[]),
    hold,
    ...(options.logger ? { logger: options.logger } : {}),
    transaction: (fn, opts) =>
      hold('transaction', async (client) => {
        try {
          await client.query(
            opts?.isolation ? `BEGIN ISOLATION LEVEL ${opts.isolation.toUpperCase()}` : 'BEGIN',
          );
          const result = await fn(client);
          await client.query('COMMIT');
          return result;
        } catch (err) {
          const broken = await rollback(client);
          if (broken) client.discard(broken);
          throw err;
        }
      }),
    close: () => pool.end(),
  };
}

/** A connection checked out of a pool for the time `fn` of `holdClient` runs. */
export interface HeldClient extends Queryable {
  /**
   * Have the connection destroyed when it is released instead of returned to the pool: one whose
   * unlock or ROLLBACK failed may still hold a session lock or an open transaction.
   */
  discard(err: Error): void;
  /** The error that cut the connection while it was held, if it was. */
  readonly lost: Error | undefined;
  /** Calls `listener` once when the connection is cut while held (after it is logged). */
  onLost(listener: (err: Error) => void): void;
}

/**
 * Runs `fn` with a connection of its own from `pool`, kept across awaits (a session advisory lock,
 * a transaction). pg-pool listens for a connection's 'error' event only while it is idle in the
 * pool; a checked-out connection that is cut (PostgreSQL terminating its backend, a restart,
 * Ctrl+C reaching the embedded PostgreSQL) emits 'error' with no listener, and Node ends the whole
 * process. So the connection carries a listener of its own while it is held: the loss is logged
 * (`holder` names the work), the holder's next query fails (pg refuses queries on a broken client)
 * and with it the job or request, and the release destroys the connection.
 */
export async function holdClient<T>(
  pool: pg.Pool,
  holder: string,
  logger: Logger | undefined,
  fn: (client: HeldClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  let broken: Error | undefined;
  const listeners: ((err: Error) => void)[] = [];
  const onError = (err: Error) => {
    if (lost) return;
    lost = err;
    if (logger) reportLostConnection(logger, holder, err);
    for (const l of listeners) l(err);
  };
  client.on('error', onError);
  try {
    return await fn({
      query: (text, params) => client.query(text, params as unknown[]),
      discard: (err) => {
        broken ??= err;
      },
      get lost() {
        return lost;
      },
      onLost: (listener) => {
        listeners.push(listener);
      },
    });
  } finally {
    client.removeListener('error', onError);
    client.release(lost ?? broken);
  }
}

function reportLostConnection(logger: Logger, holder: string, err: Error): void {
  unlessStopping(
    () => logger.warn({ err, holder }, 'database connection lost while in use; its work fails'),
    () => logger.debug({ err, holder }, 'database connection lost while stopping'),
  );
}

/** Replaces the database name of a connection URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** The URL without its password, for printing. */
export function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/**
 * Rolls back after a failure. The caller reports the failure that got it here; a ROLLBACK that
 * fails too means the connection itself is broken, and the returned error makes `release` drop it
 * from the pool instead of handing it to the next caller.
 */
export async function rollback(client: {
  query(text: string): Promise<unknown>;
}): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (err) {
    return err as Error;
  }
}
