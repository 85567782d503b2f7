import { newId } from '../../shared/ids.ts';
import {
  couplingTables,
  deleteCoupling,
  insertPendingCouplings,
  markSyncedMany,
  retrySet,
  type SyncedCoupling,
  syncedBySource,
} from '../couplings/coupling-repo.ts';
import {
  type CreatedCoupling,
  journalCreates,
  journaledCoupling,
  settleCreates,
} from '../couplings/create-journal.ts';
import { passFailed, type SyncFailure, syncFailure } from '../errors.ts';
import { getWatermarks, setWatermark } from '../mappings/mapping-repo.ts';
import { type Coupling, emptyCounters, type TableMapping } from '../model.ts';
import type { CrmRecord, CrmWrite, ErpRecord } from '../ports.ts';
import { settleAsk } from './ask-settle.ts';
import type { CrmInsert, CrmUpdate, PassRunner, RecordFailure, RunOptions } from './context.ts';
import { echoesInStep, withoutEchoes } from './echoes.ts';
import type { LookupTranslator } from './field-transfer.ts';
import { recordWrites, saveProgress, valuesOf, type WriteRecord } from './job-log.ts';
import { couplingLookups } from './lookups.ts';
import { resolvePendingCreates } from './pending-creates.ts';
import { chunkPipeline } from './pipeline.ts';
import {
  awaitsCreate,
  countSettled,
  found,
  isCreating,
  planChunk,
  type RecordPlan,
} from './plan-records.ts';
import { type ChunkReader, clearUnplannedDue, crmRowsOrStop, readChunk } from './read-chunk.ts';
import { failRecord, type PassJob } from './record-failure.ts';

interface PlannedWrite {
  readonly row: ErpRecord;
  readonly coupling: Coupling;
  readonly write: CrmWrite;
  readonly before?: Readonly<Record<string, unknown>>;
  /** The CRM row had changed since the last synchronization: the CRM → ERP pass is due. */
  readonly reverseDue?: boolean;
  /** A create's coupling is not stored yet: it is written when the create lands (or fails). */
  readonly unsaved?: boolean;
}

/**
 * One ERP → CRM pass of a mapping (docs/sync-engine.md, "One run of a mapping"): the retry set,
 * then rows changed since the ERP watermark; per row find the coupling, detect changes and
 * conflicts, transfer fields, and write all CRM changes of a chunk in one `$batch`. A failing record is logged and never blocks others.
 */
export const runToCrmPass: PassRunner = async (ctx, m, jobId, opts) => {
  const counters = emptyCounters();
  const job: PassJob = { ctx, m, pass: 'ToIntegrationTable', jobId, counters };
  const size = ctx.chunkSize ?? 1000;
  const lookups = couplingLookups(ctx.db, ctx.erp, ctx.crm, ctx.mappings);
  const seen = new Set<string>();
  // Progress counts the records the pass plans, those inside the mapping's ERP filter: what the
  // line's ERP count counts (line-counts.ts), so done never passes the line's total.
  let planned = 0;
  const chunks = chunkPipeline(ctx.chunksInFlight ?? DEFAULT_CHUNKS_IN_FLIGHT);
  // Read and planned in order; sent while the next chunk is read; the watermark follows in order.
  // `inStep`: echoes the page dropped that no pass reads (`echoesInStep`), counted unchanged.
  const process = async (rows: readonly ErpRecord[], after?: () => Promise<void>, inStep = 0) => {
    // A stop ends the pass between chunks: what was sent is booked, the watermark stays at what was written.
    ctx.signal?.throwIfAborted();
    const fresh = rows.filter((r) => !seen.has(r.id));
    for (const r of fresh) seen.add(r.id);
    const chunk = fresh.length > 0 ? await processChunk(job, opts, lookups, fresh) : undefined;
    counters.unchanged += inStep;
    planned += (chunk?.planned ?? 0) + inStep;
    const done = planned;
    await chunks.add(
      async () => chunk?.send(),
      async () => {
        await after?.();
        await saveProgress(ctx.db, jobId, counters);
        ctx.onProgress?.(counters, done, undefined);
      },
    );
  };

  // Creates a killed or interrupted run left pending are settled before anything else.
  await resolvePendingCreates(ctx, m, jobId, counters);
  try {
    if (opts.erpIds) {
      for (let i = 0; i < opts.erpIds.length; i += size) {
        const found = await ctx.erp.get(m.erpTable, opts.erpIds.slice(i, i + size));
        await process([...found.values()]);
      }
      return counters;
    }
    const cap = await ctx.erp.currentSeq();
    const retry = await retrySet(ctx.db, m.name, 'ToIntegrationTable');
    for (let i = 0; i < retry.length; i += size) {
      const chunk = retry.slice(i, i + size);
      const found = await ctx.erp.get(
        m.erpTable,
        chunk.map((c) => c.erpId),
      );
      await clearUnplannedDue(ctx, m, job.pass, chunk, found);
      await process([...found.values()]);
    }
    // Pages of the ERP change feed up to the cap read above; the watermark follows the feed's own
    // position (a page can end in deletions only), never beyond the cap.
    let after = (await getWatermarks(ctx.db, m.name)).erp;
    let pageSize = rampStart(size, cap - (after ?? 0));
    for (;;) {
      const page = await ctx.erp.changedSince(m.erpTable, after, pageSize);
      pageSize = Math.min(size, pageSize * 2);
      const rows = page.records.filter((r) => r.changeSeq <= cap);
      after = Math.min(page.nextSeq, cap);
      const position = after;
      const taken = await withoutEchoes(ctx, m, rows, opts);
      await process(
        taken,
        () => setWatermark(ctx.db, m.name, 'erp', position),
        opts.ignoreOnlyCoupled ? (await echoesInStep(ctx, m, { rows, taken, seen })).length : 0,
      );
      if (!page.more || rows.length < page.records.length) break;
    }
    return counters;
  } finally {
    await chunks.drain();
  }
};

/**
 * The first chunk of a long pass is a quarter of the size, the next a half: the CRM gets its first
 * `$batch` sooner and the chunks in flight overlap from the start instead of after a whole chunk
 * was read and planned (docs/sync-engine.md, "Chunks in flight"). A pass is long when the ERP's
 * change positions ahead of its watermark (shared by every table) exceed a chunk; one that cannot
 * fill a chunk keeps its single `$batch`.
 */
const rampStart = (size: number, ahead: number): number =>
  ahead > size ? Math.max(1, Math.floor(size / 4)) : size;

/** `$batch` requests of a pass in flight at once (the next chunk is read and planned meanwhile). */
export const DEFAULT_CHUNKS_IN_FLIGHT = 3;

/**
 * Reads a chunk and plans it, and does what must precede its `$batch` (see `prepareWrites`);
 * answers how many records it planned (those inside the mapping's filter) and the step that sends
 * the `$batch` and books its results.
 */
async function processChunk(
  job: PassJob,
  opts: RunOptions,
  lookups: LookupTranslator,
  rows: ErpRecord[],
): Promise<{ planned: number; send: () => Promise<void> }> {
  const { ctx, m } = job;
  const records = await readToCrmChunk(ctx, m, rows);
  // Needed only to tell echoes when the CRM side can change too.
  const who = m.direction === 'Bidirectional' ? await ctx.crm.integrationUserId() : undefined;
  const destinationActor = who?.ok ? who.value : undefined;
  const plans = await planChunk({ m, pass: job.pass, opts, lookups, destinationActor }, records);
  const send = await prepareWrites(job, plans);
  // The `ask` policy's baselines and inbox are kept while the chunk's writes are booked; its
  // write-backs wait for the booking (they mark the same couplings after it).
  return {
    planned: records.length,
    send: async () => {
      const { synced, booked } = await send();
      // Both run to their end before the chunk counts as done, whichever fails.
      const done = await Promise.allSettled([booked, settleAsk(job, plans, synced, booked)]);
      for (const d of done) if (d.status === 'rejected') throw d.reason;
    },
  };
}

/** The in-scope ERP rows of a chunk with their couplings and coupled CRM rows (one CRM read). */
export const readToCrmChunk: ChunkReader<ErpRecord, CrmRecord> = (ctx, m, rows) =>
  readChunk(ctx, m, 'ToIntegrationTable', rows, async (couplings) => {
    // A pending coupling awaits its create: the CRM has nothing to compare with yet.
    const coupled = couplings.filter((c) => !awaitsCreate(c, 'crm'));
    const current = await crmRowsOrStop(
      ctx,
      m.crmEntity,
      coupled.map((c) => c.crmId),
    );
    return (c) => (awaitsCreate(c, 'crm') ? { kind: 'none' } : found(current.get(c.crmId)));
  });

/**
 * Carries out a chunk's plans: deletion conflicts' couplings go first, creates get their pending
 * couplings, and failures are logged — all before this answers; the step it answers sends the
 * creates and updates to the CRM in one `$batch` and books the results.
 */
async function prepareWrites(
  job: PassJob,
  plans: readonly RecordPlan<ErpRecord, CrmRecord>[],
): Promise<() => Promise<SentChunk>> {
  const { ctx, m, jobId, counters } = job;
  const fail = (row: ErpRecord, coupling: Coupling | undefined, failure: SyncFailure) =>
    failRecord(job, { erpId: row.id, crmId: coupling?.crmId ?? null }, coupling, failure);
  // Removed before the creates below: a restored record is coupled anew.
  for (const p of plans) if (p.dropCoupling) await deleteCoupling(ctx.db, p.dropCoupling.id);
  // Exactly-once create: the CRM ids are chosen before the creates are sent and recorded in the
  // create journal, so a run cut off before the couplings are written finds out which creates
  // landed instead of making duplicates (migration sync 020). A create that cannot be made yet gets
  // a pending coupling carrying its failure, so it is retried with the same id.
  const chosen = new Map(
    plans
      .filter((p) => !p.coupling && isCreating(p.action))
      .map((p) => [p.source.id, unsavedCoupling(m, p.source.id)]),
  );
  const updates: PlannedWrite[] = [];
  const creates: PlannedWrite[] = [];
  const synced: SyncedCoupling[] = [];
  for (const p of plans) {
    const coupling = p.coupling ?? chosen.get(p.source.id);
    const action = p.action;
    countSettled(counters, action);
    switch (action.kind) {
      case 'fail':
        if (!p.coupling && coupling) await storePending(ctx, m, coupling);
        await fail(p.source, coupling, action.failure);
        break;
      case 'unchanged':
        if (action.markSynced)
          synced.push({
            id: coupling!.id,
            sourceId: p.source.id,
            erpSeq: p.source.changeSeq,
            crmVersion: p.destination!.version,
            reverseDue: action.reverseDue,
          });
        break;
      case 'update':
        updates.push({
          row: p.source,
          coupling: coupling!,
          before: p.destination!.values,
          reverseDue: action.reverseDue,
          write: {
            kind: 'update',
            entity: m.crmEntity,
            id: coupling!.crmId,
            values: action.changes,
          },
        });
        break;
      case 'create':
        creates.push({
          row: p.source,
          coupling: coupling!,
          unsaved: !p.coupling,
          write: {
            kind: 'create',
            entity: m.crmEntity,
            id: coupling!.crmId,
            values: action.values,
            related: [],
            updateAfter: {},
          },
        });
        break;
    }
  }
  const extension = ctx.extensions?.[m.crmEntity];
  const refused = failuresById(
    creates.length ? await extension?.beforeInsert?.(crmInserts(m, creates)) : [],
  );
  for (const c of creates) {
    const message = refused.get(c.row.id);
    if (!message) continue;
    if (c.unsaved) await storePending(ctx, m, c.coupling);
    await fail(c.row, c.coupling, syncFailure('crm_write_refused', message));
  }
  const sent = creates.filter((c) => !refused.has(c.row.id));
  // What an update needs in the CRM first (a product's price list items for its new units) is
  // written before it; a record whose part failed is failed and its update not sent.
  const held = failuresById(
    updates.length ? await extension?.beforeUpdate?.(crmUpdates(m, updates)) : [],
  );
  for (const u of updates) {
    const message = held.get(u.row.id);
    if (message) await fail(u.row, u.coupling, syncFailure('crm_write_refused', message));
  }
  const planned = [...updates.filter((u) => !held.has(u.row.id)), ...sent];
  if (planned.length === 0)
    return async () => ({
      synced: syncedBySource(synced),
      booked: markSyncedMany(ctx.db, 'ToIntegrationTable', jobId, synced),
    });
  const journaled = sent.filter((c) => c.unsaved);
  const journal = journaled.length > 0 ? newId() : undefined;
  if (journal)
    await journalCreates(ctx.db, {
      id: journal,
      mappingName: m.name,
      jobId,
      creates: journaled.map((c) => ({
        couplingId: c.coupling.id,
        erpId: c.row.id,
        crmId: c.coupling.crmId,
      })),
    });
  return () => sendWrites(job, planned, synced, journal);
}

/** Stores a create's coupling as pending, to carry its failure (retried with the same id). */
const storePending = (ctx: PassJob['ctx'], m: TableMapping, c: Coupling) =>
  insertPendingCouplings(ctx.db, couplingTables(m), [{ id: c.id, erpId: c.erpId, crmId: c.crmId }]);

/** The coupling a create will have once it lands (written only then, or when it fails). */
const unsavedCoupling = (m: TableMapping, erpId: string): Coupling =>
  journaledCoupling(couplingTables(m), { couplingId: newId(), erpId, crmId: newId() });

/**
 * A chunk sent: the couplings (by ERP id) it marks synchronized (what `settleAsk` needs to know),
 * and its bookkeeping (coupling marks, couplings of the creates, write history) under way.
 */
interface SentChunk {
  readonly synced: ReadonlyMap<string, string>;
  readonly booked: Promise<unknown>;
}

/** Sends a chunk's planned writes in one `$batch`, then starts booking what each one did. */
async function sendWrites(
  job: PassJob,
  planned: readonly PlannedWrite[],
  synced: SyncedCoupling[],
  journal: string | undefined,
): Promise<SentChunk> {
  const { ctx, m, jobId, counters } = job;
  const fail = (row: ErpRecord, coupling: Coupling | undefined, failure: SyncFailure) =>
    failRecord(job, { erpId: row.id, crmId: coupling?.crmId ?? null }, coupling, failure);
  const results = await ctx.crm.write(planned.map((p) => p.write));
  // The CRM gone is no record's fault: the pass stops (its records are not failed, so an outage
  // never makes them skipped), and the next run settles the creates left pending.
  if (!results.ok)
    throw passFailed('crm_unreachable', `Writing to the CRM failed: ${results.error.message}`);
  const history: WriteRecord[] = [];
  const created: (CreatedCoupling & SyncedCoupling)[] = [];
  for (const [i, p] of planned.entries()) {
    const r = results.value[i]!;
    if (!r.ok) {
      const verb = p.write.kind === 'create' ? 'Creating' : 'Modifying';
      if (p.unsaved) await storePending(ctx, m, p.coupling);
      await fail(
        p.row,
        p.coupling,
        syncFailure(
          'crm_write_refused',
          `${verb} ${m.crmEntity} failed because of the following error: ${r.message.replace(/\.+$/, '')}`,
        ),
      );
      continue;
    }
    const mark = {
      id: p.coupling.id,
      sourceId: p.row.id,
      erpSeq: p.row.changeSeq,
      crmVersion: r.version,
      reverseDue: p.reverseDue,
    };
    if (p.write.kind === 'create') counters.inserted++;
    else counters.modified++;
    if (p.unsaved)
      created.push({ ...mark, couplingId: mark.id, erpId: p.row.id, crmId: p.coupling.crmId });
    else synced.push(mark);
    history.push({
      jobId,
      mappingName: m.name,
      side: 'crm',
      recordId: p.coupling.crmId,
      action: p.write.kind === 'create' ? 'insert' : 'modify',
      before: p.before ? valuesOf(p.before, Object.keys(p.write.values)) : undefined,
      ...(p.write.kind === 'create' ? {} : { after: p.write.values }),
    });
  }
  // Statements on their own connections: none waits for another.
  const booked = Promise.all([
    markSyncedMany(ctx.db, 'ToIntegrationTable', jobId, synced),
    recordWrites(ctx.db, history),
    journal && settleCreates(ctx.db, { ...couplingTables(m), jobId }, journal, created),
  ]);
  return { synced: syncedBySource([...synced, ...created]), booked };
}

// `values`, `related` and `updateAfter` are the write's own: what an extension adds goes out with
// the create.
const crmInserts = (m: TableMapping, rows: readonly PlannedWrite[]): CrmInsert[] =>
  rows.map((c) => ({
    mapping: m,
    erp: c.row,
    crmId: c.coupling.crmId,
    values: c.write.values,
    related: (c.write.kind === 'create' && c.write.related) || [],
    updateAfter: (c.write.kind === 'create' && c.write.updateAfter) || {},
  }));

const crmUpdates = (m: TableMapping, rows: readonly PlannedWrite[]): CrmUpdate[] =>
  rows.map((u) => ({ mapping: m, erp: u.row, crmId: u.coupling.crmId, values: u.write.values }));

const failuresById = (list: readonly RecordFailure[] | undefined) =>
  new Map((list ?? []).map((f) => [f.erpId, f.message]));
