import { passFailed, type SyncFailure, syncFailure } from '../errors.ts';
import { emptyCounters, type TableMapping } from '../model.ts';
import type { ErpRecord } from '../ports.ts';
import type { EngineContext, PassRunner, RunOptions } from './context.ts';
import { saveProgress } from './job-log.ts';
import { failRecord, type PassJob } from './record-failure.ts';
import { matchesFilter } from './values.ts';

interface OptionValue {
  readonly value: number;
  readonly label: string;
}

/** What an option mapping run starts from: the ERP rows, the option set and the couplings. */
export interface OptionRead {
  readonly entity: string;
  readonly column: string;
  readonly codeField: string;
  readonly rows: readonly ErpRecord[];
  readonly options: readonly OptionValue[];
  /** Option value by ERP id, as coupled. */
  readonly coupled: ReadonlyMap<string, number>;
}

/** What the run does with one ERP row (in order: a later row sees the options taken before). */
export interface OptionPlan {
  readonly row: ErpRecord;
  readonly code: string;
  /** The coupled value was removed from the option set: the coupling goes first. */
  readonly recouple: boolean;
  readonly action:
    | { readonly kind: 'unchanged' }
    | { readonly kind: 'couple'; readonly option: OptionValue }
    /** No option has the label: one is added to the option set. */
    | { readonly kind: 'add' }
    | { readonly kind: 'fail'; readonly failure: SyncFailure };
}

/**
 * An option mapping run (BC's payment terms, shipment method and shipping agent mappings): ERP codes (payment terms, shipment methods, shipping
 * agents) are coupled to the values of a CRM choice column by label; a code with no value yet gets
 * one added to the option set (BC creates missing option values) unless the mapping forbids it.
 * Read, plan (`planOptions`, which a preview shows) and write, like the other passes.
 */
export const runOptionPass: PassRunner = async (ctx, m, jobId, opts) => {
  const counters = emptyCounters();
  const job: PassJob = { ctx, m, pass: 'ToIntegrationTable', jobId, counters };
  const read = await readOptions(ctx, m, opts);
  for (const p of planOptions(m, opts, read)) {
    if (p.recouple) {
      await ctx.db.query(
        'DELETE FROM integration.option_couplings WHERE mapping_name = $1 AND erp_id = $2',
        [m.name, p.row.id],
      );
      counters.uncoupled++;
    }
    const a = p.action;
    if (a.kind === 'unchanged') {
      counters.unchanged++;
      continue;
    }
    if (a.kind === 'fail') {
      await failRecord(job, { erpId: p.row.id, crmId: null }, undefined, a.failure);
      continue;
    }
    let option: OptionValue;
    if (a.kind === 'add') {
      const added = await ctx.crm.addOption(read.entity, read.column, p.code);
      if (!added.ok) {
        await failRecord(
          job,
          { erpId: p.row.id, crmId: null },
          undefined,
          syncFailure(
            'crm_write_refused',
            `Adding the option '${p.code}' to ${m.crmEntity} failed: ${added.error.message}`,
          ),
        );
        continue;
      }
      option = { value: added.value, label: p.code };
      counters.inserted++;
    } else {
      option = a.option;
      counters.coupled++;
    }
    await ctx.db.query(
      `INSERT INTO integration.option_couplings (mapping_name, erp_id, option_value, option_label) VALUES ($1, $2, $3, $4)
       ON CONFLICT (mapping_name, erp_id) DO UPDATE SET option_value = EXCLUDED.option_value, option_label = EXCLUDED.option_label`,
      [m.name, p.row.id, option.value, option.label],
    );
  }
  await saveProgress(ctx.db, jobId, counters);
  return counters;
};

/** Reads what an option mapping run needs; a CRM that cannot be read stops the pass. */
export async function readOptions(
  ctx: EngineContext,
  m: TableMapping,
  opts: RunOptions,
): Promise<OptionRead> {
  const [entity, column] = m.crmEntity.split('.') as [string, string];
  const codeField = m.fields.find((f) => f.enabled && f.erpField && f.crmField)?.erpField;
  if (!codeField || !column)
    throw passFailed(
      'option_mapping_invalid',
      `Option mapping ${m.name} needs a code field and a CRM table.column`,
    );
  const set = await ctx.crm.optionSet(entity, column);
  if (!set.ok)
    throw passFailed(
      'crm_read_failed',
      `Reading the options of ${m.crmEntity} failed: ${set.error.message}`,
    );
  const coupled = await ctx.db.query<{ erp_id: string; option_value: number }>(
    'SELECT erp_id, option_value FROM integration.option_couplings WHERE mapping_name = $1',
    [m.name],
  );
  return {
    entity,
    column,
    codeField,
    rows: await allRows(ctx, m, opts),
    options: set.value,
    coupled: new Map(coupled.rows.map((r) => [r.erp_id, r.option_value])),
  };
}

/**
 * Decides every row in the filter, in order: a coupled value still in the option set is
 * unchanged; otherwise the row couples with the first free option of its label, or gets one added
 * (when the mapping may create), or fails. An added option counts as taken for the rows after it.
 */
export function planOptions(m: TableMapping, opts: RunOptions, read: OptionRead): OptionPlan[] {
  const options = [...read.options];
  const taken = new Set(read.coupled.values());
  const mayCreate = m.createNewOnNoMatch || !m.syncOnlyCoupled || opts.ignoreOnlyCoupled;
  const plans: OptionPlan[] = [];
  // Stand-ins for the values the CRM gives added options: they only need to be taken.
  let added = -1;
  for (const row of read.rows) {
    if (!matchesFilter(row.values, m.erpFilter)) continue;
    const code = String(row.values[read.codeField] ?? '');
    const current = read.coupled.get(row.id);
    if (current !== undefined && options.some((o) => o.value === current)) {
      plans.push({ row, code, recouple: false, action: { kind: 'unchanged' } });
      continue;
    }
    const recouple = current !== undefined;
    if (recouple) taken.delete(current);
    const option = options.find(
      (o) => o.label.toLowerCase() === code.toLowerCase() && !taken.has(o.value),
    );
    if (option) {
      taken.add(option.value);
      plans.push({ row, code, recouple, action: { kind: 'couple', option } });
    } else if (mayCreate) {
      options.push({ value: added, label: code });
      taken.add(added--);
      plans.push({ row, code, recouple, action: { kind: 'add' } });
    } else {
      plans.push({
        row,
        code,
        recouple,
        action: {
          kind: 'fail',
          failure: syncFailure(
            'option_missing',
            `${m.crmEntity} has no option labelled '${code}'; add it in Dynamics 365 Sales or allow creating it`,
          ),
        },
      });
    }
  }
  return plans;
}

/** Option tables are small: read all of them (or the given records). */
async function allRows(
  ctx: EngineContext,
  m: TableMapping,
  opts: RunOptions,
): Promise<ErpRecord[]> {
  if (opts.erpIds) return [...(await ctx.erp.get(m.erpTable, opts.erpIds)).values()];
  const rows: ErpRecord[] = [];
  let after: number | null = null;
  for (;;) {
    const page = await ctx.erp.changedSince(m.erpTable, after, ctx.chunkSize ?? 1000);
    rows.push(...page.records);
    if (!page.more) return rows;
    after = page.nextSeq;
  }
}
