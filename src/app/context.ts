import type { Db } from '../db/db.ts';
import type { PgBoss } from '../db/job-queue.ts';
import type { Clock } from '../shared/clock.ts';
import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/logger.ts';

/** What every request handler and job gets: built once by the composition root. */
export interface AppContext {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The job queue, when this process runs one. */
  readonly boss?: PgBoss;
}
