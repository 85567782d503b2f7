import {
  couplingsByCrmIds,
  couplingsByErpIds,
  insertCoupling,
} from '../couplings/coupling-repo.ts';
import { unsettledCreates } from '../couplings/create-journal.ts';
import type { EngineContext } from '../engine/context.ts';
import { beginJob, finishJob, logRecordError } from '../engine/job-log.ts';
import { type OptionRead, planOptions, readOptions } from '../engine/option-pass.ts';
import { resolveJournaledCreates } from '../engine/pending-creates.ts';
import { type PassReport, runMapping } from '../engine/run-mapping.ts';
import { isEmpty, matchesFilter } from '../engine/values.ts';
import { PassFailed, passFailed } from '../errors.ts';
import {
  emptyCounters,
  type FieldMapping,
  type FilterCondition,
  type TableMapping,
} from '../model.ts';
import type { ErpRecord } from '../ports.ts';
import { recordKind } from '../record-names.ts';
import { createInCrm } from './create-in.ts';

export interface MatchReport {
  /** Null when there was nothing to couple: no job is opened for nothing (the message says why). */
  readonly jobId: string | null;
  readonly coupled: number;
  readonly created: number;
  readonly unmatched: number;
  readonly syncJobs: readonly PassReport[];
  /** What happened in a sentence, e.g. "2 coupled, 0 created, 1 unmatched". */
  readonly message: string;
}

/**
 * Match-based coupling (BC's bulk "couple by matching"): every uncoupled ERP record in the mapping's filter is
 * matched on the fields flagged for matching, priority group by priority group; exactly one
 * uncoupled CRM match couples it. Unmatched records are created in the CRM when the mapping says
 * so, otherwise reported. Newly coupled pairs are then synchronized when the mapping asks for it.
 */
export async function matchBasedCoupling(
  ctx: EngineContext,
  m: TableMapping,
  erpIds?: readonly string[],
): Promise<MatchReport> {
  if (m.isOptionMapping) {
    if (await everyOptionCoupled(ctx, m, erpIds)) return nothingToCouple(m, erpIds);
    // Option values are matched on their label by the option pass itself.
    const [job] = await runMapping(ctx, m, {
      ...(erpIds ? { erpIds } : {}),
      trigger: 'matchBasedCoupling',
    });
    const c = job!.counters;
    return {
      jobId: job!.jobId,
      coupled: c.coupled,
      created: c.inserted,
      unmatched: c.failed,
      syncJobs: [],
      message: job!.message ?? `${c.coupled} coupled, ${c.inserted} created, ${c.failed} unmatched`,
    };
  }
  const criteria = m.fields.filter(
    (f) => f.enabled && f.useForMatching && f.erpField && f.crmField,
  );
  if (criteria.length === 0)
    throw passFailed(
      'match_fields_missing',
      `Specify which fields of mapping ${m.name} are used for match-based coupling`,
    );
  const groups = [...new Set(criteria.map((f) => f.matchPriority))]
    .sort((a, b) => a - b)
    .map((p) => criteria.filter((f) => f.matchPriority === p));
  // The job is opened by the first thing to do, so a call with nothing to couple leaves no job.
  let opened: string | null = null;
  const openJob = async (): Promise<string> => {
    opened ??= await beginJob(
      ctx.db,
      m.name,
      'ToIntegrationTable',
      'matchBasedCoupling',
      'Coupling',
    );
    return opened;
  };
  const counters = emptyCounters();
  if ((await unsettledCreates(ctx.db, m.name)).length > 0)
    await resolveJournaledCreates(ctx, m, await openJob(), counters);
  const newlyCoupled: string[] = [];
  const unmatched: ErpRecord[] = [];
  for await (const chunk of erpRecords(ctx, m, erpIds)) {
    const candidates = chunk.filter((r) => matchesFilter(r.values, m.erpFilter));
    const coupled = await couplingsByErpIds(
      ctx.db,
      m.erpTable,
      candidates.map((r) => r.id),
    );
    for (const row of candidates) {
      if (coupled.has(row.id)) continue;
      await openJob();
      const crmId = await findUniqueMatch(ctx, m, groups, row);
      if (!crmId) {
        unmatched.push(row);
        continue;
      }
      await insertCoupling(ctx.db, {
        mappingName: m.name,
        erpTable: m.erpTable,
        erpId: row.id,
        crmEntity: m.crmEntity,
        crmId,
      });
      counters.coupled++;
      newlyCoupled.push(row.id);
    }
  }
  if (opened === null) return nothingToCouple(m, erpIds);
  const jobId: string = opened;
  let created = 0;
  if (unmatched.length > 0 && m.createNewOnNoMatch) {
    const report = await createInCrm(
      ctx,
      m,
      unmatched.map((r) => r.id),
    );
    created = report.created.length;
    counters.inserted += created;
    counters.failed += report.failed.length;
  } else if (unmatched.length > 0) {
    counters.failed += unmatched.length;
    for (const row of unmatched) {
      await logRecordError(ctx.db, jobId, m.name, 'ToIntegrationTable', {
        erpTable: m.erpTable,
        erpId: row.id,
        crmEntity: m.crmEntity,
        crmId: null,
        message:
          'Failed to couple the record because no unique uncoupled matching record was found in Dynamics 365 Sales',
      });
    }
  }
  const message = `${counters.coupled} coupled, ${created} created, ${unmatched.length - created} unmatched`;
  await finishJob(ctx.db, jobId, counters, { status: 'succeeded', message });
  let syncJobs: PassReport[] = [];
  if (m.syncAfterCoupling && newlyCoupled.length > 0) {
    // BC resolves a bidirectional mapping's direction by its update-conflict policy.
    const only =
      m.direction !== 'Bidirectional'
        ? m.direction
        : (
            {
              GetUpdate: 'FromIntegrationTable',
              SendUpdate: 'ToIntegrationTable',
              None: undefined,
              ask: undefined,
            } as const
          )[m.updateConflict];
    const trigger = 'matchBasedCoupling';
    if (only === 'FromIntegrationTable') {
      const pairs = await couplingsByErpIds(ctx.db, m.erpTable, newlyCoupled);
      syncJobs = await runMapping(ctx, m, {
        only,
        crmIds: [...pairs.values()].map((c) => c.crmId),
        force: true,
        trigger,
      });
    } else {
      syncJobs = await runMapping(ctx, m, {
        ...(only ? { only } : {}),
        erpIds: newlyCoupled,
        force: true,
        trigger,
      });
    }
  }
  return {
    jobId,
    coupled: counters.coupled,
    created,
    unmatched: unmatched.length - created,
    syncJobs,
    message,
  };
}

/** The answer when there was nothing to couple: no job, and a message that says why. */
function nothingToCouple(m: TableMapping, erpIds: readonly string[] | undefined): MatchReport {
  const kind = recordKind('erp', m.erpTable);
  return {
    jobId: null,
    coupled: 0,
    created: 0,
    unmatched: 0,
    syncJobs: [],
    message: erpIds
      ? `Nothing to couple: none of the given records is an uncoupled ${kind} record in the filter of mapping ${m.name}; no job was run`
      : `Nothing to couple: every ${kind} record in the filter of mapping ${m.name} is already coupled; no job was run`,
  };
}

/**
 * An option mapping with every code in its filter coupled to an option still in the option set:
 * the option pass would only count them unchanged. A CRM that cannot be read is left to the pass,
 * whose job then says so.
 */
async function everyOptionCoupled(
  ctx: EngineContext,
  m: TableMapping,
  erpIds: readonly string[] | undefined,
): Promise<boolean> {
  const opts = erpIds ? { erpIds } : {};
  let read: OptionRead;
  try {
    read = await readOptions(ctx, m, opts);
  } catch (err) {
    if (err instanceof PassFailed) return false;
    throw err;
  }
  return planOptions(m, opts, read).every((p) => !p.recouple && p.action.kind === 'unchanged');
}

async function* erpRecords(
  ctx: EngineContext,
  m: TableMapping,
  ids?: readonly string[],
): AsyncGenerator<ErpRecord[]> {
  const size = ctx.chunkSize ?? 1000;
  if (ids) {
    for (let i = 0; i < ids.length; i += size)
      yield [...(await ctx.erp.get(m.erpTable, ids.slice(i, i + size))).values()];
    return;
  }
  let after: number | null = null;
  for (;;) {
    const page = await ctx.erp.changedSince(m.erpTable, after, size);
    if (page.records.length > 0) yield [...page.records];
    if (!page.more) return;
    after = page.nextSeq;
  }
}

async function findUniqueMatch(
  ctx: EngineContext,
  m: TableMapping,
  groups: FieldMapping[][],
  row: ErpRecord,
): Promise<string | undefined> {
  for (const group of groups) {
    const conditions: FilterCondition[] = [];
    for (const f of group) {
      const value = row.values[f.erpField!];
      if (isEmpty(value)) continue;
      conditions.push({ field: f.crmField!, op: 'eq', value });
    }
    if (conditions.length === 0) continue;
    const found = await ctx.crm.find(m.crmEntity, [...conditions, ...m.crmFilter], 2);
    if (!found.ok || found.value.length !== 1) continue;
    const match = found.value[0]!;
    if (
      group.some(
        (f) => f.caseSensitiveMatching && match.values[f.crmField!] !== row.values[f.erpField!],
      )
    )
      continue;
    const taken = await couplingsByCrmIds(ctx.db, m.crmEntity, [match.id]);
    if (taken.size > 0) continue;
    return match.id;
  }
  return undefined;
}
