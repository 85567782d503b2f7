import type { AppContext } from '../app/context.ts';
import { openEngine } from '../integration/sync-runtime.ts';
import { failure, ok, type Result } from '../shared/result.ts';
import type { EngineContext } from '../sync/engine/context.ts';
import type { TableMapping } from '../sync/model.ts';

/**
 * What the outbound flows (posted invoices, payment status, account statistics) work with: the
 * application context and the engine over the enabled connection (ERP and CRM ports, mappings).
 */
export interface OutboundContext {
  readonly app: AppContext;
  readonly engine: EngineContext;
}

export const depsOf = (ctx: AppContext) => ({
  db: ctx.db,
  config: ctx.config,
  logger: ctx.logger,
  clock: ctx.clock,
});

/** Opens the engine over the enabled connection, or says why it cannot. */
export async function openOutbound(ctx: AppContext): Promise<Result<OutboundContext>> {
  const engine = await openEngine(depsOf(ctx));
  if (!engine.ok) return engine;
  return ok({ app: ctx, engine: engine.value });
}

/** A mapping the flow needs, or a clear failure naming it. */
export function requireMapping(o: OutboundContext, name: string): Result<TableMapping> {
  const m = o.engine.mappings.get(name);
  return m
    ? ok(m)
    : failure(
        'mapping_missing',
        `The table mapping ${name} does not exist; restore the default mappings first`,
      );
}

/** The CRM id coupled to an ERP record of a table (state coupled), if any. */
export async function coupledCrmId(
  o: OutboundContext,
  erpTable: string,
  erpId: string,
): Promise<string | undefined> {
  const r = await o.engine.db.query<{ crm_id: string }>(
    "SELECT crm_id FROM integration.couplings WHERE erp_table = $1 AND erp_id = $2 AND state = 'coupled'",
    [erpTable, erpId],
  );
  return r.rows[0]?.crm_id;
}
