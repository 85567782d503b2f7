import { previewRun, type RunPreview } from '../../integration/preview-service.ts';
import { openEngine } from '../../integration/sync-runtime.ts';
import { AppError } from '../../shared/errors.ts';
import { plural } from '../../shared/plural.ts';
import type { TableMapping } from '../../sync/model.ts';
import { countsLine, type PreviewDetail } from '../../sync/preview/preview-model.ts';
import { type CliEnv, printResult } from '../cli-context.ts';
import type { Runtime } from '../runtime.ts';

const PASS_TITLE = {
  ToIntegrationTable: 'ERP → CRM (writes to Dynamics 365 Sales)',
  FromIntegrationTable: 'CRM → ERP (writes to the ERP)',
} as const;

const MARK: Record<PreviewDetail['action'], string> = {
  insert: '+ create',
  modify: '~ modify',
  delete: '- delete',
  couple: '= couple',
  uncouple: '- uncouple',
  unchanged: '  unchanged',
  skip: '  skip',
  conflict: '! conflict',
  fail: 'x fail',
};

/**
 * `kobling sync MAPPING --dry-run`: the preview of a run as a readable diff (unchanged records
 * only counted), or the whole preview as JSON. It says in every form that nothing was written.
 */
export async function runSyncPreview(
  cli: CliEnv,
  rt: Runtime,
  m: TableMapping,
  opts: { json?: boolean; full?: boolean },
): Promise<void> {
  const { ctx } = rt;
  const engine = await openEngine({ db: ctx.db, config: ctx.config, logger: ctx.logger });
  if (!engine.ok) throw AppError.from(engine.error);
  const preview = await previewRun(engine.value, m, { full: opts.full ?? false });
  if (!preview.ok) throw AppError.from(preview.error);
  printResult(cli, opts.json, preview.value, renderPreview);
}

/** The diff: per pass the records a run would touch, then the counts and the notice. */
export function renderPreview(p: RunPreview): string[] {
  const lines = [`Preview of ${p.mapping} (dry run)`];
  const placed = new Set<PreviewDetail>();
  for (const pass of p.summary.passes) {
    const records = p.details.filter((d) => d.direction === pass.direction && !d.writeBack);
    // A write-back (policy `ask`) writes the pass's source side: it is listed under the pass that
    // writes that side, so "writes to …" stays true.
    const side = pass.direction === 'ToIntegrationTable' ? 'crm' : 'erp';
    const backs = p.details.filter((d) => d.writeBack && d.side === side);
    const shown = records.filter((d) => d.action !== 'unchanged' || d.conflicts);
    lines.push(
      '',
      `${PASS_TITLE[pass.direction]}: ${plural(records.length, 'record')}${backs.length > 0 ? `, ${backs.length} written back` : ''}`,
    );
    if (shown.length === 0 && backs.length === 0) lines.push('  nothing to write');
    for (const d of [...shown, ...backs]) lines.push(...renderDetail(d));
    for (const d of backs) placed.add(d);
  }
  const rest = p.details.filter((d) => d.writeBack && !placed.has(d));
  if (rest.length > 0) lines.push('', `Written back: ${plural(rest.length, 'record')}`);
  for (const d of rest) lines.push(...renderDetail(d));
  lines.push(
    '',
    `Summary: CRM ${countsLine(p.summary.crm)}; ERP ${countsLine(p.summary.erp)}${p.summary.inbox > 0 ? `; conflict inbox ${plural(p.summary.inbox, 'record')}` : ''}`,
    p.notice,
    ...p.warnings.map((w) => `Warning: ${w}`),
  );
  return lines;
}

function renderDetail(d: PreviewDetail): string[] {
  const ids = `${d.name ? `${d.name} ` : ''}(ERP ${d.erpId ?? 'new'} ⇄ CRM ${d.crmId ?? 'new'})`;
  const why = d.message && d.action !== 'conflict' ? `: ${d.message}` : '';
  const out = [`  ${d.writeBack ? '~ write back' : MARK[d.action]} ${ids}${why}`];
  for (const c of d.changes ?? [])
    out.push(
      d.action === 'insert'
        ? `      ${c.field}: ${shown(c.after)}`
        : `      ${c.field}: ${shown(c.before)} → ${shown(c.after)}`,
    );
  for (const c of d.conflicts ?? [])
    out.push(
      `      ${d.action === 'conflict' ? '' : '! to the conflict inbox: '}${c.erpField} ⇄ ${c.crmField}: ERP ${shown(c.erpValue)}, CRM ${shown(c.crmValue)}`,
    );
  return out;
}

const shown = (v: unknown): string =>
  v === null || v === undefined ? '(empty)' : JSON.stringify(v);
