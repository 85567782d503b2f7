import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import '../../sync/errors.ts';
import '../errors.ts';
import type { EngineContext } from '../../sync/engine/context.ts';
import { getMapping } from '../../sync/mappings/mapping-repo.ts';
import type { TableMapping } from '../../sync/model.ts';
import { openEngine } from '../sync-runtime.ts';

export const PREFIX = '/api/integration/v1';
export const guid = z.guid();
export const guids = z.array(z.guid()).min(1).max(1000);
export const mappingName = z.string().min(1).max(30);

export const depsOf = (ctx: AppContext) => ({ db: ctx.db, config: ctx.config, logger: ctx.logger });

/** The mapping or a 404 naming it. */
export async function mappingOr404(ctx: AppContext, name: string): Promise<TableMapping> {
  const m = await getMapping(ctx.db, name);
  if (!m) throw new AppError('not_found', `No table mapping named '${name}'`);
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
