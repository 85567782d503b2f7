import type { JobDefinition } from '../db/job-queue.ts';
import type { AppContext, FullSyncLineRunner } from './context.ts';

/** A running service a part started (e.g. the CRM emulator on its own port). */
export interface StartedService {
  /** Lines printed after start, e.g. "CRM emulator  http://127.0.0.1:8081/api/data/v9.2/". */
  readonly lines: readonly string[];
  /** Facts other parts may need in-process (e.g. the emulator's generated demo credentials). */
  readonly details?: Readonly<Record<string, unknown>>;
  stop(): Promise<void>;
}

/**
 * What a part contributes to the processes `kobling start` and `kobling worker` run. Parts are
 * listed in `src/cli/parts.ts`; the CLI wires them, so parts never import the CLI.
 */
export interface SystemPart {
  readonly name: string;
  /** Background jobs this part's workers handle. */
  jobs?(ctx: AppContext): readonly JobDefinition[];
  /**
   * Full synchronization lines this part runs instead of the generic engine, by mapping name:
   * a later layer's work handed to the integration's full synchronization without it importing that layer.
   */
  fullSyncLines?(ctx: AppContext): Readonly<Record<string, FullSyncLineRunner>>;
  /**
   * A service started by `kobling start` (after migrations, before the HTTP server). `started`
   * holds the services of the parts listed before it, by part name.
   */
  startService?(
    ctx: AppContext,
    started: ReadonlyMap<string, StartedService>,
  ): Promise<StartedService>;
  /**
   * Long-running work in every process that runs workers (`kobling start`, `kobling worker`),
   * such as change listeners; stopped before the job queue on shutdown.
   */
  startBackground?(ctx: AppContext): Promise<{ stop(): Promise<void> }>;
  /** Loads demo data when the database is new; returns a one-line summary, or undefined when skipped. */
  seedDemo?(ctx: AppContext): Promise<string | undefined>;
}
