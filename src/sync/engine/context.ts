import type { Queryable } from '../../db/db.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/logger.ts';
import type { JobCounters, TableMapping } from '../model.ts';
import type { CrmPort, CrmRelatedCreate, ErpPort, ErpRecord } from '../ports.ts';

/** What a synchronization run works with. */
export interface EngineContext {
  readonly db: Queryable;
  readonly erp: ErpPort;
  readonly crm: CrmPort;
  readonly logger: Logger;
  /** Time for what the engine stamps itself (conflict-inbox entries); the system clock when absent. */
  readonly clock?: Clock;
  /** Every mapping by name (for lookups through related mappings). */
  readonly mappings: ReadonlyMap<string, TableMapping>;
  /** Records per chunk: one CRM `$batch` and one round of coupling queries per chunk. */
  readonly chunkSize?: number;
  /** Chunks of the ERP → CRM pass whose `$batch` may be in flight at once (default 3; 1: one by one). */
  readonly chunksInFlight?: number;
  /** What some CRM tables need around a create or an update, beyond field pairs; by CRM table. */
  readonly extensions?: Readonly<Record<string, CrmWriteExtension>>;
  /**
   * Aborted when the process stops: a pass ends between chunks with the signal's reason
   * (StoppedByShutdown), its job failed as "Stopped by shutdown" and run again later. A full
   * synchronization line stopped by hand aborts it too: its job failed with the reason's message.
   */
  readonly signal?: AbortSignal;
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

/** One row the ERP → CRM pass is creating: the ERP source and the CRM values it will write. */
export interface CrmInsert {
  readonly mapping: TableMapping;
  readonly erp: ErpRecord;
  readonly crmId: string;
  readonly values: Record<string, unknown>;
  /** Rows to create with it in the same operation (its create carries them; see CrmRelatedCreate). */
  readonly related: CrmRelatedCreate[];
  /** Columns not valid for create, set right after it in the same change set (CrmWrite). */
  readonly updateAfter: Record<string, unknown>;
}

/** One row the ERP → CRM pass is about to update: the ERP source and the coupled CRM row. */
export interface CrmUpdate {
  readonly mapping: TableMapping;
  readonly erp: ErpRecord;
  readonly crmId: string;
  /** The changed columns the update will write. */
  readonly values: Readonly<Record<string, unknown>>;
}

/**
 * Mapping-specific behaviour around CRM writes (Business Central does this in subscribers of
 * its sync engine, after the fields are transferred, on insert and on modify): e.g. a product
 * created from an item gets the default price list and a price list item per unit, and an updated
 * one gets the price list items its new units lack. Each hook answers the failures it had, by ERP
 * id; the record is then failed and its write not sent.
 */
export interface CrmWriteExtension {
  /** Adds values to rows about to be created (may change `values`/`updateAfter`, add `related`). */
  beforeInsert?(rows: readonly CrmInsert[]): Promise<readonly RecordFailure[]>;
  /** Does what must exist before rows are updated (its own CRM writes, idempotent: retried). */
  beforeUpdate?(rows: readonly CrmUpdate[]): Promise<readonly RecordFailure[]>;
}

export interface RecordFailure {
  readonly erpId: string;
  readonly message: string;
}
