import type { EngineContext, RunOptions } from '../engine/context.ts';
import { planOptions, readOptions } from '../engine/option-pass.ts';
import type { PassDirection, TableMapping } from '../model.ts';
import type { PreviewDetail } from './preview-model.ts';

/**
 * An option mapping's run without its writes: the option pass's own read and plan
 * (src/sync/engine/option-pass.ts). Options are values of a choice column, not rows, so their
 * details name the ERP record and its code; an added option is an insert into the column.
 */
export async function previewOptions(
  ctx: EngineContext,
  m: TableMapping,
  pass: PassDirection,
  opts: RunOptions,
): Promise<PreviewDetail[]> {
  const read = await readOptions(ctx, m, opts);
  const details: PreviewDetail[] = [];
  for (const p of planOptions(m, opts, read)) {
    const base = {
      direction: pass,
      side: 'crm',
      erpId: p.row.id,
      crmId: null,
      name: p.code,
    } as const;
    if (p.recouple)
      details.push({
        ...base,
        action: 'uncouple',
        message: `The coupled value was removed from the options of ${m.crmEntity}: coupled again`,
      });
    const a = p.action;
    if (a.kind === 'unchanged') details.push({ ...base, action: 'unchanged' });
    else if (a.kind === 'couple')
      details.push({
        ...base,
        action: 'couple',
        message: `Coupled with the option ${a.option.value} '${a.option.label}'`,
      });
    else if (a.kind === 'add')
      details.push({
        ...base,
        action: 'insert',
        changes: [{ field: read.column, before: null, after: p.code }],
        message: `The option '${p.code}' is added to ${m.crmEntity}`,
      });
    else details.push({ ...base, action: 'fail', message: a.failure.message });
  }
  return details;
}
