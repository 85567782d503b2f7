import type { Result } from '../shared/result.ts';
import type { EngineContext } from '../sync/engine/context.ts';
import type { TableMapping } from '../sync/model.ts';
import { type PreviewRequest, previewMapping } from '../sync/preview/preview.ts';
import type { Preview } from '../sync/preview/preview-model.ts';
import { holdReason } from './full-sync/full-sync-lines.ts';

/** A preview with what stands in the way of the run it previews. */
export interface RunPreview extends Preview {
  /** E.g. a regular run is held while the mapping's full synchronization is queued or running. */
  readonly warnings: readonly string[];
}

/** The preview of a mapping's run (API, CLI and web page), with warnings about when it runs. */
export async function previewRun(
  engine: EngineContext,
  m: TableMapping,
  req: PreviewRequest,
): Promise<Result<RunPreview>> {
  const preview = await previewMapping(engine, m, req);
  if (!preview.ok) return preview;
  const held = req.full ? undefined : await holdReason(engine.db, m.name);
  const warnings = held ? [`A regular run of ${m.name} waits now: ${held}`] : [];
  return { ok: true, value: { ...preview.value, warnings } };
}
