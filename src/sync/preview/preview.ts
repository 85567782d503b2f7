import { failure, ok, type Result } from '../../shared/result.ts';
import { couplingsByCrmIds, couplingsByErpIds } from '../couplings/coupling-repo.ts';
import type { EngineContext, RunOptions } from '../engine/context.ts';
import { PassFailed } from '../errors.ts';
import { getWatermarks } from '../mappings/mapping-repo.ts';
import { mappingCovers, type PassDirection, type TableMapping } from '../model.ts';
import { type Preview, type PreviewDetail, previewNotice, summarize } from './preview-model.ts';
import { previewOptions } from './preview-options.ts';
import { previewToCrm, previewToErp } from './preview-passes.ts';
import { emptyState } from './virtual-state.ts';

export interface PreviewRequest {
  /** Only these ERP records (as Synchronize now and Create in send them); no retry set. */
  readonly erpIds?: readonly string[];
  /** Only these CRM records. */
  readonly crmIds?: readonly string[];
  /** One pass only; both passes of the mapping's direction when absent (as a run). */
  readonly only?: PassDirection;
  /** A full synchronization: every record in the filters, coupled or not, from no watermark. */
  readonly full?: boolean;
}

/**
 * What a run of the mapping would do now, planned by the run's own code (read-chunk.ts,
 * plan-records.ts) and written nowhere: no record on either side, no coupling, watermark, job or
 * error. The CRM → ERP pass is planned on top of what the ERP → CRM pass would have written
 * (virtual-state.ts), so a run right after does what the preview lists.
 */
export async function previewMapping(
  ctx: EngineContext,
  m: TableMapping,
  req: PreviewRequest = {},
): Promise<Result<Preview>> {
  if (req.full && (req.erpIds || req.crmIds))
    return failure(
      'validation_failed',
      'A full synchronization covers every record; give either full or record ids',
    );
  if (req.only && !mappingCovers(m.direction, req.only))
    return failure(
      'invalid_direction',
      `Mapping ${m.name} has direction ${m.direction}; it has no ${req.only} pass`,
    );
  const passes = (['ToIntegrationTable', 'FromIntegrationTable'] as const).filter(
    (p) => mappingCovers(m.direction, p) && (!req.only || req.only === p),
  );
  const opts = await runOptions(ctx, m, req);
  const marks = req.full ? { erp: null, crm: null } : await getWatermarks(ctx.db, m.name);
  const state = emptyState();
  const details: PreviewDetail[] = [];
  try {
    for (const pass of passes)
      details.push(
        ...(m.isOptionMapping
          ? await previewOptions(ctx, m, pass, opts)
          : pass === 'ToIntegrationTable'
            ? await previewToCrm(ctx, m, opts, marks.erp, state)
            : await previewToErp(ctx, m, opts, marks.crm, state)),
      );
  } catch (err) {
    if (err instanceof PassFailed) return { ok: false, error: err.failure };
    throw err;
  }
  const summary = summarize(passes, details);
  return ok({
    mapping: m.name,
    summary,
    details,
    notice: previewNotice(summary.total, summary.inbox),
  });
}

/**
 * The run's options: given records of one side name the coupled records of the other for the
 * other pass (as Synchronize now does), and a full synchronization creates uncoupled records too.
 */
async function runOptions(
  ctx: EngineContext,
  m: TableMapping,
  req: PreviewRequest,
): Promise<RunOptions> {
  if (req.full) return { ignoreOnlyCoupled: true };
  let { erpIds, crmIds } = req;
  if (erpIds && !crmIds)
    crmIds = [...(await couplingsByErpIds(ctx.db, m.erpTable, erpIds)).values()]
      .filter((c) => c.state === 'coupled' && c.mappingName === m.name)
      .map((c) => c.crmId);
  else if (crmIds && !erpIds)
    erpIds = [...(await couplingsByCrmIds(ctx.db, m.crmEntity, crmIds)).values()]
      .filter((c) => c.state === 'coupled' && c.mappingName === m.name)
      .map((c) => c.erpId);
  return { ...(erpIds ? { erpIds } : {}), ...(crmIds ? { crmIds } : {}) };
}
