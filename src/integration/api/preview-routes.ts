import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { PassDirection } from '../../sync/model.ts';
import { pageOf } from '../../sync/preview/preview-model.ts';
import { previewRun } from '../preview-service.ts';
import { engineOrThrow, guids, mappingName, mappingOr404, must, PREFIX } from './shared.ts';

const tags = ['integration: preview'];
/** A preview writes nothing, so whoever may read the integration may ask for one. */
const anyone = { roles: ['admin', 'orderProcessor', 'readOnly'] as const };

/** Synchronize now's directions: send = ERP → CRM, get = CRM → ERP, merge = both (as a run). */
export const PASSES_OF: Record<'send' | 'get' | 'merge', PassDirection | undefined> = {
  send: 'ToIntegrationTable',
  get: 'FromIntegrationTable',
  merge: undefined,
};

const body = z
  .strictObject({
    mapping: mappingName,
    erpIds: guids.optional(),
    crmIds: guids.optional(),
    direction: z.enum(['send', 'get', 'merge']).optional(),
    full: z.boolean().default(false),
    page: z.number().int().min(1).default(1),
    pageSize: z.number().int().min(1).max(1000).default(100),
  })
  .refine((b) => !(b.full && (b.erpIds || b.crmIds)), {
    message: 'A full synchronization covers every record: give either full or record ids',
  });

/** Preview (dry run): what a run of a mapping would do, with nothing written. */
export function registerPreviewRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    `${PREFIX}/preview`,
    {
      config: anyone,
      schema: {
        tags,
        summary:
          'Preview a run of a mapping (changed records, given records, or a full synchronization) without writing anything: counts per side and action, and paged per-record details with field-level before → after, conflicts and failures',
        body,
      },
    },
    async (req) => {
      const { mapping, direction, page, pageSize, ...rest } = req.body;
      const m = await mappingOr404(ctx, mapping);
      const engine = await engineOrThrow(ctx);
      const only = direction ? PASSES_OF[direction] : undefined;
      const preview = must(await previewRun(engine, m, { ...rest, ...(only ? { only } : {}) }));
      const { items, nextPage } = pageOf(preview.details, page, pageSize);
      return {
        mapping: preview.mapping,
        notice: preview.notice,
        warnings: preview.warnings,
        summary: preview.summary,
        details: items,
        page,
        ...(nextPage ? { nextPage } : {}),
      };
    },
  );
}
