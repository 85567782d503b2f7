import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { apiEntities } from '../catalog/catalog.ts';
import { actingAs } from '../records/transactions.ts';
import { toBcError } from './bc-error-codes.ts';
import { dispatch, type Reply } from './dispatch.ts';
import { erpMetadataXml } from './metadata-csdl.ts';
import { serviceRoot } from './odata-envelope.ts';

const PREFIX = '/api/v2.0';

function send(reply: FastifyReply, root: string, r: Reply) {
  if (r.headers) reply.headers(r.headers);
  if (r.status === 204) return reply.status(204).send();
  if (r.text !== undefined)
    return reply.status(r.status).type('text/plain; charset=utf-8').send(r.text);
  const body = r.body as Record<string, unknown> | undefined;
  const etag = body?.['@odata.etag'];
  if (typeof etag === 'string') reply.header('etag', etag);
  const context = r.context ? { '@odata.context': `${root}/$metadata#${r.context}` } : {};
  return reply
    .status(r.status)
    .send(body && typeof body === 'object' ? { ...context, ...body } : body);
}

/**
 * The ERP API: `/api/v2.0/companies({id})/<entitySet>` with BC API v2.0 names, OData list options,
 * ETags, `$metadata`, and the bound actions (Microsoft.NAV.release, reopen, ship, invoice,
 * shipAndInvoice, makeOrder, archive). Reads: every role; writes: admin and orderProcessor (the
 * server's default). Answers carry `OData-Version: 4.0`; errors use BC's error codes.
 */
export async function registerErpRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  options: { actorOf?: (request: FastifyRequest) => string | undefined } = {},
): Promise<void> {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    // Writes are stamped with the caller (else the ERP's default, 'user').
    const actor = options.actorOf?.(request);
    const as = actor ? { ...ctx, db: actingAs(ctx.db, actor) } : ctx;
    return send(reply, serviceRoot(request, PREFIX), await dispatch(as, request));
  };
  await app.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.header('odata-version', '4.0');
      if (reply.statusCode < 400 || typeof payload !== 'string') return payload;
      try {
        const parsed = JSON.parse(payload) as { error?: { code: string; message: string } };
        return parsed.error?.code
          ? JSON.stringify(toBcError(parsed as Parameters<typeof toBcError>[0]))
          : payload;
      } catch {
        return payload;
      }
    });
    scope.get(
      `${PREFIX}/$metadata`,
      {
        schema: {
          tags: ['erp'],
          summary: 'CSDL of the ERP API (generated from the ERP catalogue)',
        },
      },
      async (_request, reply) =>
        reply.type('application/xml; charset=utf-8').send(erpMetadataXml()),
    );
    scope.route({
      method: ['GET', 'POST', 'PATCH', 'DELETE'],
      url: `${PREFIX}/*`,
      schema: {
        tags: ['erp'],
        summary:
          'ERP API (Business Central v2.0 conventions): companies({id})/<entitySet>[({id})][/<navigation>][/$count][/Microsoft.NAV.<action>]',
        description: `Entity sets: ${[...apiEntities.keys()].join(', ')}, customerFinancialDetails. Lists take $filter, $top, $skip, $orderby, $select, $count, $expand (with nested options) and Prefer: odata.maxpagesize. PATCH/DELETE need If-Match. Actions (POST, 204; Prefer: return=representation answers the result): salesOrders({id})/Microsoft.NAV.release|reopen|ship|invoice|shipAndInvoice|archive, salesQuotes({id})/Microsoft.NAV.makeOrder|release|reopen|archive, salesInvoices({id})/Microsoft.NAV.post, salesCreditMemos({id})/Microsoft.NAV.post|unapply, customerPayments({id})/Microsoft.NAV.unapply. CSDL at /api/v2.0/$metadata. See docs/erp.md.`,
      },
      handler,
    });
    // PUT is not in BC's API: routed here all the same, so the dispatch answers it as BC does
    // (405 BadRequest_MethodNotAllowed, or 404 for no such resource) instead of the server's
    // generic answer. Not in the OpenAPI document.
    scope.route({ method: 'PUT', url: `${PREFIX}/*`, schema: { hide: true }, handler });
  });
}
