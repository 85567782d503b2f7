import type { AppContext } from '../app/context.ts';
import type { Db } from '../db/db.ts';
import { openDb, redactUrl } from '../db/db.ts';
import { hasEmbeddedDatabase, startEmbeddedPostgres } from '../db/embedded-postgres.ts';
import { migrate } from '../db/migrate.ts';
import { settleSecretKey } from '../integration/secret-key-setup.ts';
import { systemClock } from '../shared/clock.ts';
import type { Config } from '../shared/config.ts';
import { AppError } from '../shared/errors.ts';
import { createLogger, type Logger } from '../shared/logger.ts';
import { type CliEnv, configFrom } from './cli-context.ts';
import './error-codes.ts';
import { terminalLogger } from './terminal-logger.ts';

/** An open database (embedded or external) with migrations applied. */
export interface Runtime {
  readonly ctx: AppContext;
  /** Where the database is, without the password. */
  readonly databaseLabel: string;
  readonly embedded: boolean;
  close(): Promise<void>;
}

/**
 * Opens the database the configuration names: `DATABASE_URL` when set, otherwise the embedded
 * PostgreSQL under the data folder (started here, stopped by `close`). Applies migrations, then
 * settles the secret key every process on the database shares (a clear failure when this process
 * has another one or none), which the context's config then carries.
 */
export async function openRuntime(
  config: Config,
  options: {
    logger?: Logger;
    migrate?: boolean;
    /** false: the command never seals or opens a CRM secret, so it needs no key. */
    secretKey?: boolean;
    applicationName?: string;
    /**
     * true: the command may create the embedded database when the data folder has none (`start`,
     * `worker`, `migrate`, `crm-emulator`). Every other command acts on an installation that
     * exists: run in the wrong folder it would otherwise start an empty database there and answer
     * as if Kobling had nothing, so it refuses (`noKoblingData`) and creates nothing.
     */
    createData?: boolean;
  } = {},
): Promise<Runtime> {
  const logger = options.logger ?? createLogger(config.logLevel);
  let url = config.database.url;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!url) {
    if (!options.createData && !hasEmbeddedDatabase(config.dataDir))
      throw noKoblingData(config.dataDir);
    const server = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.database.embeddedPort,
      onLog: (line) => logger.debug({ postgres: line.trim() }, 'embedded postgres'),
    });
    url = server.url;
    stopEmbedded = server.stop;
    if (server.adoptedFromPid !== undefined) {
      logger.warn(
        { dataDir: config.dataDir, previousOwnerPid: server.adoptedFromPid },
        'embedded PostgreSQL left running by a stopped Kobling process taken over; it stops with this one',
      );
    } else {
      // Debug: `kobling start` names the database in its banner; one-shot commands stay quiet.
      logger.debug(
        { dataDir: config.dataDir, created: server.created, owned: server.owned },
        'embedded PostgreSQL started',
      );
    }
  }
  let db: Db | undefined;
  let settledConfig = config;
  try {
    db = openDb(url, {
      max: config.database.poolSize,
      applicationName: options.applicationName ?? 'kobling',
      logger,
    });
    await db.query('SELECT 1');
    if (options.migrate !== false) {
      const report = await migrate(db);
      if (report.applied.length > 0)
        logger.info({ applied: report.applied.length }, 'migrations applied');
    }
    if (options.secretKey !== false) {
      const settled = await settleSecretKey(db, config);
      if (!settled.ok) throw AppError.from(settled.error);
      if (settled.value.source === 'generated')
        logger.info({ file: settled.value.file }, 'secret key generated for this database');
      settledConfig = { ...config, secretKey: settled.value.key };
    }
  } catch (err) {
    // The start failed: what the caller sees is `err`; a cleanup that fails as well is logged.
    await db
      ?.close()
      .catch((e) => logger.warn({ err: e }, 'closing the database pool after a failed start'));
    await stopEmbedded?.().catch((e) =>
      logger.warn({ err: e }, 'stopping embedded PostgreSQL after a failed start'),
    );
    throw err;
  }
  const ctx: AppContext = { config: settledConfig, db, logger, clock: systemClock };
  return {
    ctx,
    databaseLabel: redactUrl(url),
    embedded: stopEmbedded !== undefined,
    async close() {
      await db.close().catch((err) => logger.warn({ err }, 'closing the pool failed'));
      await stopEmbedded?.();
    },
  };
}

/** The refusal of a command run where Kobling keeps no data (checked before anything is created). */
export const noKoblingData = (dataDir: string): AppError =>
  new AppError(
    'no_kobling_data',
    `No Kobling data in ${dataDir}: run \`npm start\` (\`kobling start\`) here first, or run this from the folder where Kobling was started (or set KOBLING_DATA_DIR to its data folder, or DATABASE_URL to its database).`,
  );

/**
 * The runtime of a one-shot command: its logger says only errors unless `KOBLING_LOG_LEVEL` asks
 * for more, as readable lines (`terminalLogger`), so a command's output is what it prints.
 */
export function openOneShot(
  cli: CliEnv,
  options: Parameters<typeof openRuntime>[1] = {},
): Promise<Runtime> {
  const level = cli.env.KOBLING_LOG_LEVEL || undefined;
  return openRuntime(configFrom(cli, { KOBLING_LOG_LEVEL: level ?? 'error' }), {
    logger: terminalLogger(level),
    ...options,
  });
}

/** Runs a one-shot command against the database and closes it after, even on failure. */
export async function withRuntime<T>(cli: CliEnv, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await openOneShot(cli);
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}
