import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import '../../sync/errors.ts';
import '../errors.ts';
import type { EngineContext } from '../../sync/engine/context.ts';
import { mappingName, noSuchMapping } from '../../sync/mappings/mapping-name.ts';
import { getMapping } from '../../sync/mappings/mapping-repo.ts';
import type { TableMapping } from '../../sync/model.ts';
import { openEngine } from '../sync-runtime.ts';

export const PREFIX = '/api/integration/v1';
export const guid = z.guid();
export const guids = z.array(z.guid()).min(1).max(1000);
/** A mapping name in a path, query or body: in any case, as stored (`mappingNameOf`). */
export { mappingName };

export const depsOf = (ctx: AppContext) => ({ db: ctx.db, config: ctx.config, logger: ctx.logger });

/** The mapping or a 404 naming it (and the one meant, or the ones there are). */
export async function mappingOr404(ctx: AppContext, name: string): Promise<TableMapping> {
  const m = await getMapping(ctx.db, name);
  if (!m) throw AppError.from(await noSuchMapping(ctx.db, name));
  return m;
}

/** The engine over the enabled connection, or a clear 409. */
export async function engineOrThrow(ctx: AppContext): Promise<EngineContext> {
  const e = await openEngine(depsOf(ctx));
  if (!e.ok) throw AppError.from(e.error);
  return e.value;
}

/** Unwraps a Result for a route. */
/** A failure value as the HTTP error it maps to (the shared `unwrap`). */
export const must = unwrap;
