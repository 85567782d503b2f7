import { passFailed, syncFailure } from '../errors.ts';
import { emptyCounters, type TableMapping } from '../model.ts';
import type { ErpRecord } from '../ports.ts';
import type { EngineContext, PassRunner, RunOptions } from './context.ts';
import { saveProgress } from './job-log.ts';
import { failRecord, type PassJob } from './record-failure.ts';
import { matchesFilter } from './values.ts';

/**
 * An option mapping run (BC's payment terms, shipment method and shipping agent mappings): ERP codes (payment terms, shipment methods, shipping
 * agents) are coupled to the values of a CRM choice column by label; a code with no value yet gets
 * one added to the option set (BC creates missing option values) unless the mapping forbids it.
 */
export const runOptionPass: PassRunner = async (ctx, m, jobId, opts) => {
  const counters = emptyCounters();
  const job: PassJob = { ctx, m, pass: 'ToIntegrationTable', jobId, counters };
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
  const options = [...set.value];
  const coupled = await ctx.db.query<{ erp_id: string; option_value: number }>(
    'SELECT erp_id, option_value FROM integration.option_couplings WHERE mapping_name = $1',
    [m.name],
  );
  const byErp = new Map(coupled.rows.map((r) => [r.erp_id, r.option_value]));
  const taken = new Set(coupled.rows.map((r) => r.option_value));
  const mayCreate = m.createNewOnNoMatch || !m.syncOnlyCoupled || opts.ignoreOnlyCoupled;

  for (const row of await allRows(ctx, m, opts)) {
    if (!matchesFilter(row.values, m.erpFilter)) continue;
    const code = String(row.values[codeField] ?? '');
    const current = byErp.get(row.id);
    if (current !== undefined && options.some((o) => o.value === current)) {
      counters.unchanged++;
      continue;
    }
    if (current !== undefined) {
      // The coupled value was removed from the option set: couple again below.
      await ctx.db.query(
        'DELETE FROM integration.option_couplings WHERE mapping_name = $1 AND erp_id = $2',
        [m.name, row.id],
      );
      taken.delete(current);
      counters.uncoupled++;
    }
    let option = options.find(
      (o) => o.label.toLowerCase() === code.toLowerCase() && !taken.has(o.value),
    );
    if (!option && mayCreate) {
      const added = await ctx.crm.addOption(entity, column, code);
      if (!added.ok) {
        await failRecord(
          job,
          { erpId: row.id, crmId: null },
          undefined,
          syncFailure(
            'crm_write_refused',
            `Adding the option '${code}' to ${m.crmEntity} failed: ${added.error.message}`,
          ),
        );
        continue;
      }
      option = { value: added.value, label: code };
      options.push(option);
      counters.inserted++;
    } else if (!option) {
      await failRecord(
        job,
        { erpId: row.id, crmId: null },
        undefined,
        syncFailure(
          'option_missing',
          `${m.crmEntity} has no option labelled '${code}'; add it in Dynamics 365 Sales or allow creating it`,
        ),
      );
      continue;
    } else {
      counters.coupled++;
    }
    await ctx.db.query(
      `INSERT INTO integration.option_couplings (mapping_name, erp_id, option_value, option_label) VALUES ($1, $2, $3, $4)
       ON CONFLICT (mapping_name, erp_id) DO UPDATE SET option_value = EXCLUDED.option_value, option_label = EXCLUDED.option_label`,
      [m.name, row.id, option.value, option.label],
    );
    taken.add(option.value);
  }
  await saveProgress(ctx.db, jobId, counters);
  return counters;
};

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
