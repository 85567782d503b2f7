import type { Queryable } from '../../db/db.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { openConflictFields } from '../conflicts/conflict-repo.ts';
import { couplingsByErpIds } from '../couplings/coupling-repo.ts';
import type { EngineContext } from '../engine/context.ts';
import { transferFields } from '../engine/field-transfer.ts';
import { couplingLookups } from '../engine/lookups.ts';
import { type PassReport, runMapping } from '../engine/run-mapping.ts';
import { matchesFilter } from '../engine/values.ts';
import type { TableMapping } from '../model.ts';

export type SyncNowDirection = 'send' | 'get' | 'merge';

export interface SyncNowRecord {
  readonly erpId: string;
  readonly crmId: string | null;
  readonly outcome:
    | 'synchronized'
    /** Written except the fields both sides changed (policy `ask`): they wait in the conflict inbox. */
    | 'heldInInbox'
    | 'failed'
    | 'skipped'
    | 'notCoupled'
    | 'needsConfirmation'
    /** Merge refused: both sides changed a bidirectional field; choose send or get. */
    | 'chooseDirection';
  readonly message?: string;
}

export interface SyncNowReport {
  readonly direction: SyncNowDirection;
  readonly records: readonly SyncNowRecord[];
  readonly jobs: readonly PassReport[];
  /**
   * Overwrite warnings (both sides changed; repeat with `confirmOverwrite` to go ahead), and the
   * fields of merged records that wait in the conflict inbox (resolve them there).
   */
  readonly warnings: readonly string[];
}

/**
 * Synchronize now on coupled records, as BC's direction prompt offers it: send (ERP wins), get (CRM wins) or merge
 * (both directions, conflicts by policy). When both sides changed and a one-way choice would
 * overwrite newer data, the record is held with a warning unless `confirmOverwrite` is set.
 */
export async function synchronizeNow(
  ctx: EngineContext,
  m: TableMapping,
  erpIds: readonly string[],
  direction: SyncNowDirection,
  confirmOverwrite = false,
): Promise<Result<SyncNowReport>> {
  if (direction === 'merge' && m.direction !== 'Bidirectional') {
    return failure(
      'invalid_direction',
      `Mapping ${m.name} is not bidirectional; choose send or get`,
    );
  }
  if (direction === 'send' && m.direction === 'FromIntegrationTable') {
    return failure('invalid_direction', `Mapping ${m.name} only gets data from Dynamics 365 Sales`);
  }
  if (direction === 'get' && m.direction === 'ToIntegrationTable') {
    return failure('invalid_direction', `Mapping ${m.name} only sends data to Dynamics 365 Sales`);
  }
  const couplings = await couplingsByErpIds(ctx.db, m.erpTable, erpIds);
  const erpRows = await ctx.erp.get(m.erpTable, erpIds);
  // An id with neither a record nor a coupling is a wrong id, not a record waiting to be coupled.
  const unknown = erpIds.filter((id) => !couplings.has(id) && !erpRows.has(id));
  if (unknown.length > 0) {
    return failure(
      'not_found',
      `No ${m.erpTable} record in the ERP has the id ${unknown.join(', ')}; nothing was synchronized`,
    );
  }
  const crm = await ctx.crm.get(
    m.crmEntity,
    [...couplings.values()].map((c) => c.crmId),
  );
  if (!crm.ok) return crm;
  const lookups = couplingLookups(ctx.db, ctx.erp, ctx.crm, ctx.mappings);
  const records: SyncNowRecord[] = [];
  const warnings: string[] = [];
  const go: { erpId: string; crmId: string; couplingId: string }[] = [];
  for (const erpId of erpIds) {
    const c = couplings.get(erpId);
    if (c?.state !== 'coupled') {
      records.push({
        erpId,
        crmId: null,
        outcome: 'notCoupled',
        // A pending coupling's create was interrupted: the mapping's next run settles it.
        message: c
          ? `The record is still being created in ${c.pendingSide === 'crm' ? 'Dynamics 365 Sales' : 'the ERP'}; the next run of mapping ${m.name} completes its coupling`
          : 'The record is not coupled; couple it or create it in the other system first',
      });
      continue;
    }
    if (c.skipped) {
      records.push({
        erpId,
        crmId: c.crmId,
        outcome: 'skipped',
        message: 'The record is marked as skipped; restore it first',
      });
      continue;
    }
    const erpRow = erpRows.get(erpId);
    const crmRow = crm.value.get(c.crmId);
    const outside = outsideFilter(m, direction, erpRow?.values, crmRow?.values);
    if (outside) {
      records.push({ erpId, crmId: c.crmId, outcome: 'skipped', message: outside });
      continue;
    }
    const erpChanged = erpRow ? erpRow.changeSeq > (c.lastSyncedErpSeq ?? 0) : false;
    const crmChanged = crmRow ? crmRow.version > (c.lastSyncedCrmVersion ?? 0) : false;
    // Under policy `ask` merging holds such fields in the conflict inbox instead.
    const asks = m.updateConflict === 'ask';
    if (erpRow && crmRow && direction === 'merge' && erpChanged && crmChanged && !asks) {
      // Merging would keep one side's value of a field both sides changed: the user chooses.
      const dry = await transferFields(
        m,
        'ToIntegrationTable',
        erpRow.values,
        crmRow.values,
        lookups,
      );
      const pair = dry.bidirectionalDifference;
      if (pair) {
        records.push({
          erpId,
          crmId: c.crmId,
          outcome: 'chooseDirection',
          message: `Both records changed since the last synchronization and ${pair.erpField} ⇄ ${pair.crmField} differs: merging is not possible, choose send or get`,
        });
        continue;
      }
    }
    if (erpRow && crmRow && direction !== 'merge' && !confirmOverwrite) {
      if (erpChanged && crmChanged) {
        const pass = direction === 'send' ? 'ToIntegrationTable' : 'FromIntegrationTable';
        const [src, dst] =
          direction === 'send' ? [erpRow.values, crmRow.values] : [crmRow.values, erpRow.values];
        const dry = await transferFields(m, pass, src, dst, lookups);
        // Only fields the user can have changed: constants are the integration's own values.
        const overwritten = Object.keys(dry.changes).filter((dst) =>
          m.fields.some(
            (f) =>
              f.erpField &&
              f.crmField &&
              (pass === 'ToIntegrationTable' ? f.crmField : f.erpField) === dst,
          ),
        );
        if (overwritten.length > 0) {
          const side = direction === 'send' ? 'Dynamics 365 Sales' : 'the ERP';
          const message = `Both records changed since the last synchronization; the data in ${side} will be overwritten (${overwritten.join(', ')})`;
          warnings.push(`${m.erpTable} ${erpId}: ${message}`);
          records.push({ erpId, crmId: c.crmId, outcome: 'needsConfirmation', message });
          continue;
        }
      }
    }
    go.push({ erpId, crmId: c.crmId, couplingId: c.id });
  }
  const jobs: PassReport[] = [];
  if (go.length > 0) {
    const trigger = 'synchronizeNow';
    if (direction !== 'get') {
      jobs.push(
        ...(await runMapping(ctx, m, {
          only: 'ToIntegrationTable',
          erpIds: go.map((g) => g.erpId),
          force: direction === 'send',
          trigger,
        })),
      );
    }
    if (direction !== 'send') {
      jobs.push(
        ...(await runMapping(ctx, m, {
          only: 'FromIntegrationTable',
          crmIds: go.map((g) => g.crmId),
          force: direction === 'get',
          trigger,
        })),
      );
    }
    const errors = await errorsOf(
      ctx.db,
      jobs.map((j) => j.jobId),
    );
    // The outcome is the job's: a pass that failed as a whole (the CRM unreachable, say) wrote
    // nothing for its records, even though none of them logged an error of its own.
    const failedJob = jobs.find((j) => j.status === 'failed');
    // A field both sides changed is not synchronized under policy `ask`: it waits in the inbox,
    // and saying "synchronized" would hide that.
    const held = await openConflictFields(
      ctx.db,
      go.map((g) => g.couplingId),
    );
    for (const { couplingId, ...g } of go) {
      const e = errors.get(g.erpId) ?? errors.get(g.crmId);
      const fields = held.get(couplingId);
      if (e) records.push({ ...g, outcome: 'failed', message: e });
      else if (failedJob) {
        records.push({
          ...g,
          outcome: 'failed',
          message: `The synchronization job failed: ${failedJob.message ?? 'unknown error'}`,
        });
      } else if (fields) {
        // The held fields first: the record is not simply "synchronized".
        const message = `${fields.map((f) => `${f.erpField} ⇄ ${f.crmField}`).join(', ')} changed on both sides and ${fields.length === 1 ? 'waits' : 'wait'} in the conflict inbox; the record's other fields are up to date`;
        warnings.push(`${m.erpTable} ${g.erpId}: ${message}`);
        records.push({ ...g, outcome: 'heldInInbox', message });
      } else records.push({ ...g, outcome: 'synchronized' });
    }
  }
  return ok({ direction, records, jobs, warnings });
}

/**
 * A record outside the mapping's filter on the side it would be read from is not synchronized
 * by a run; saying "synchronized" then would be a silent no-op.
 */
function outsideFilter(
  m: TableMapping,
  direction: SyncNowDirection,
  erp: Readonly<Record<string, unknown>> | undefined,
  crm: Readonly<Record<string, unknown>> | undefined,
): string | undefined {
  const describe = (f: TableMapping['crmFilter']) =>
    f
      .map((c) => `${c.field} ${c.op}${c.value === undefined ? '' : ` ${JSON.stringify(c.value)}`}`)
      .join(', ');
  if (
    direction !== 'get' &&
    erp &&
    m.direction !== 'FromIntegrationTable' &&
    !matchesFilter(erp, m.erpFilter)
  )
    return `The ERP record is outside the ERP filter of mapping ${m.name} (${describe(m.erpFilter)}), so it is not synchronized`;
  if (
    direction !== 'send' &&
    crm &&
    m.direction !== 'ToIntegrationTable' &&
    !matchesFilter(crm, m.crmFilter)
  )
    return `The ${m.crmEntity} is outside the CRM filter of mapping ${m.name} (${describe(m.crmFilter)}), so it is not synchronized`;
  return undefined;
}

async function errorsOf(db: Queryable, jobIds: string[]): Promise<Map<string, string>> {
  const r = await db.query<{ erp_id: string | null; crm_id: string | null; message: string }>(
    'SELECT erp_id, crm_id, message FROM integration.sync_errors WHERE job_id = ANY($1::uuid[]) ORDER BY id',
    [jobIds],
  );
  const out = new Map<string, string>();
  for (const row of r.rows) {
    if (row.erp_id) out.set(row.erp_id, row.message);
    if (row.crm_id) out.set(row.crm_id, row.message);
  }
  return out;
}
