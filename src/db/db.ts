import pg from 'pg';

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

/** Opens a connection pool on `url`. */
export function openDb(url: string, options: { max?: number; applicationName?: string } = {}): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'kobling',
  });
  pool.on('error', dropBrokenIdleClient);
  return {
    url,
    pool,
    query: (text, params) => pool.query(text, params as unknown[]),
    async transaction(fn, opts) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query(
          opts?.isolation ? `BEGIN ISOLATION LEVEL ${opts.isolation.toUpperCase()}` : 'BEGIN',
        );
        const result = await fn({
          query: (text, params) => client.query(text, params as unknown[]),
        });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        broken = await rollback(client);
        throw err;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
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
