import type { Queryable } from '../../db/db.ts';
import type { Logger } from '../../shared/logger.ts';
import type { JobCounters, TableMapping } from '../model.ts';
import type { CrmPort, ErpPort } from '../ports.ts';

/** What a synchronization run works with. */
export interface EngineContext {
  readonly db: Queryable;
  readonly erp: ErpPort;
  readonly crm: CrmPort;
  readonly logger: Logger;
  /** Every mapping by name (for lookups through related mappings). */
  readonly mappings: ReadonlyMap<string, TableMapping>;
  /** Records per chunk: one CRM `$batch` and one round of coupling queries per chunk. */
  readonly chunkSize?: number;
  /** Called after each chunk with the counters so far (progress bars, live job counters). */
  readonly onProgress?: (counters: JobCounters, done: number, total: number | undefined) => void;
}

/** Options of one run: scheduled runs use none; Synchronize now / Create in X target records. */
export interface RunOptions {
  /** Only these records (ERP ids for the To pass, CRM ids for the From pass); no retry set. */
  readonly erpIds?: readonly string[];
  readonly crmIds?: readonly string[];
  /** Create and couple uncoupled records even when the mapping syncs only coupled ones. */
  readonly ignoreOnlyCoupled?: boolean;
  /** Write even when the source did not change since the last synchronization. */
  readonly force?: boolean;
  /** How the run was started, for the job log. */
  readonly trigger?: string;
}

/** One pass of a mapping, run as job `jobId`; returns the job's counters. */
export type PassRunner = (
  ctx: EngineContext,
  m: TableMapping,
  jobId: string,
  opts: RunOptions,
) => Promise<JobCounters>;
