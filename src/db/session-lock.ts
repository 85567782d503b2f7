import type pg from 'pg';
import { unlessStopping } from '../shared/stopping.ts';
import type { Db, HeldClient } from './db.ts';

/** A session advisory lock: what one process holds while it does work no other may do at once. */
export interface SessionLock {
  /** What holds it, for the log: `mapping lock CONTACT`. */
  readonly holder: string;
  /** SQL expression of the lock's key over $1 (int or bigint). */
  readonly key: string;
  /** The value of $1. */
  readonly id: string;
  /** Wait while another holds it (true), or give up at once (the default). */
  readonly wait?: boolean;
  /** The pool to take the connection from (this Db's own by default). */
  readonly pool?: pg.Pool;
}

/** How often a lock lost with its connection is asked for again. */
const RETAKE_EVERY_MS = 250;

/**
 * Runs `fn` holding `lock` on a connection of its own; undefined when the lock is taken and
 * `wait` is off. PostgreSQL releases the lock when the connection ends, so a killed process never
 * keeps it — and neither does a live one whose connection is cut (PostgreSQL restarted, the
 * backend terminated): `fn`'s own queries go through the pool and go on. So the lock is taken
 * again at once on a new connection, and asked for every 250 ms while PostgreSQL does not answer
 * or another process has taken it meanwhile (logged: until then the work goes on unprotected).
 * A connection whose unlock fails is destroyed rather than reused, since it may still hold it.
 */
export async function withSessionLock<T>(
  db: Db,
  lock: SessionLock,
  fn: () => Promise<T>,
): Promise<{ value: T } | undefined> {
  return db.hold(
    lock.holder,
    async (client) => {
      if (lock.wait) await client.query(`SELECT pg_advisory_lock(${lock.key})`, [lock.id]);
      else if (!(await tryLock(client, lock))) return undefined;
      const keeper = keepLock(db, lock, client);
      try {
        return { value: await fn() };
      } finally {
        await keeper.end();
      }
    },
    lock.pool,
  );
}

async function tryLock(client: HeldClient, lock: SessionLock): Promise<boolean> {
  const got = await client.query<{ got: boolean }>(
    `SELECT pg_try_advisory_lock(${lock.key}) AS got`,
    [lock.id],
  );
  return got.rows[0]?.got === true;
}

async function unlock(client: HeldClient, lock: SessionLock): Promise<void> {
  // A connection cut while held already lost the lock with it.
  if (client.lost) return;
  await client
    .query(`SELECT pg_advisory_unlock(${lock.key})`, [lock.id])
    .catch((err: Error) => client.discard(err));
}

/**
 * Keeps `lock`, held on `first`, until `end`: when a connection holding it is cut, takes it again
 * on a new one (and so on). `end` unlocks whichever connection holds it.
 */
function keepLock(db: Db, lock: SessionLock, first: HeldClient): { end(): Promise<void> } {
  let ended = false;
  let wake: () => void = () => undefined;
  const endSignal = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const retakes: Promise<void>[] = [];
  const watch = (client: HeldClient) =>
    client.onLost(() => {
      if (!ended) retakes.push(retake());
    });
  const report = (msg: string, err?: Error) => {
    const logger = db.logger;
    if (!logger) return;
    unlessStopping(
      () => logger.warn({ err, holder: lock.holder }, msg),
      () => logger.debug({ err, holder: lock.holder }, `${msg} (while stopping)`),
    );
  };

  async function retake(): Promise<void> {
    let warned = false;
    while (!ended) {
      const held = await db
        .hold(
          lock.holder,
          async (client) => {
            if (!(await tryLock(client, lock))) return false;
            watch(client);
            report('lock lost with its connection taken again');
            await endSignal;
            await unlock(client, lock);
            return true;
          },
          lock.pool,
        )
        .catch((err: Error) => {
          if (!warned) report('lock lost with its connection not taken again yet', err);
          warned = true;
          return false;
        });
      if (held) return;
      if (!warned && !ended) {
        report(
          'lock lost with its connection is held by another process now; the work goes on unprotected until it is taken again',
        );
      }
      warned = true;
      if (!ended) await Promise.race([endSignal, sleep(RETAKE_EVERY_MS)]);
    }
  }

  watch(first);
  return {
    async end() {
      ended = true;
      wake();
      await Promise.all(retakes);
      await unlock(first, lock);
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());
