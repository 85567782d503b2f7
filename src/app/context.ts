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
  /**
   * Full synchronization lines a later part runs its own way instead of the generic engine, by
   * mapping name (filled from the parts' `fullSyncLines`, see src/cli/job-queue.ts).
   */
  readonly fullSyncLines?: Readonly<Record<string, FullSyncLineRunner>>;
}

/** What a part's own run of a full synchronization line did: one job and its counters. */
export interface FullSyncLineRun {
  /** The job that did the work; null when there was nothing to do, so no job was run. */
  readonly jobId: string | null;
  readonly status: 'succeeded' | 'failed';
  /** What it handled, also with no job (records found done already count as unchanged). */
  readonly counters: Readonly<Record<string, number>>;
  readonly message?: string;
}

/** Runs a full synchronization line of one mapping (e.g. POSTEDSALESINV-INV by the flows part). */
export type FullSyncLineRunner = (trigger: string) => Promise<FullSyncLineRun>;
