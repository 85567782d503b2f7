import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { getEntity } from '../../erp/public-api.ts';
import { performAdhoc } from '../../integration/adhoc-jobs.ts';
import { mappingForErpTable } from '../../integration/coupled-records.ts';
import { setUpCoupling } from '../../integration/coupling-service.ts';
import { LOCK_WAIT, withMappingLock } from '../../integration/mapping-lock.ts';
import { openEngine } from '../../integration/sync-runtime.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import { plural } from '../../shared/plural.ts';
import type { EngineContext } from '../../sync/engine/context.ts';
import type { TableMapping } from '../../sync/model.ts';
import { uncouple } from '../../sync/service/couplings.ts';
import type { CreateInReport } from '../../sync/service/create-in.ts';
import type { MatchReport } from '../../sync/service/match-based-coupling.ts';
import type { SyncNowReport } from '../../sync/service/synchronize-now.ts';
import { SuccessBanner, WarningBanner } from '../components/banner.tsx';
import { CreateInResult, MatchResult, SyncNowResult } from '../components/sync-results.tsx';
import { checkbox, many, parseInput } from '../form.ts';
import { sendHtml } from '../view.ts';
import type { WebDeps } from '../web-deps.ts';
import type { MasterList } from './master-data-lists.ts';

const idsForm = z.object({ ids: many(z.guid()).pipe(z.array(z.guid()).max(1000)) });
const syncForm = idsForm.extend({
  direction: z.enum(['send', 'get', 'merge']),
  confirmOverwrite: checkbox.default(false),
});
const coupleForm = z.object({
  crmName: z.string().trim().min(1, 'Enter the name of the record in Dynamics 365 Sales').max(200),
  synchronize: z.enum(['none', 'send', 'get']).default('none'),
});

/** The engine over the enabled connection, or a readable error. */
async function engineFor(ctx: AppContext): Promise<EngineContext> {
  const engine = await openEngine({ db: ctx.db, config: ctx.config, logger: ctx.logger });
  if (!engine.ok) throw AppError.from(engine.error);
  return engine.value;
}

async function mappingOf(ctx: AppContext, list: MasterList): Promise<TableMapping> {
  const m = await mappingForErpTable(ctx.db, list.set);
  if (!m)
    throw new AppError(
      'not_found',
      `No integration table mapping couples ${list.title.toLowerCase()}; run the assisted setup or restore the default mappings`,
    );
  return m;
}

/** Names of records for messages (number/code and name instead of ids). */
async function namesOf(ctx: AppContext, list: MasterList, ids: readonly string[]) {
  const names = new Map<string, string>();
  for (const id of ids.slice(0, 200)) {
    const r = await getEntity(ctx.db, list.set, id);
    if (r.ok) names.set(id, `${r.value[list.key]} ${r.value['displayName'] ?? ''}`.trim());
  }
  return names;
}
/** Answers an action with its outcome banner and tells the page to refresh the list. */
function outcome(reply: FastifyReply, html: JSX.Element) {
  reply.header('hx-trigger', 'list-changed');
  return sendHtml(reply, html);
}

/** The list's actions: synchronize, create in the CRM, match-based coupling, uncouple, couple. */
export function registerActions(web: FastifyInstance, { ctx }: WebDeps, list: MasterList) {
  const base = `/${list.path}/actions`;
  const selected = (ids: string[]) => {
    if (ids.length === 0)
      throw new AppError('validation_failed', 'Select one or more records first');
    return ids;
  };
  web.post(`${base}/synchronize`, async (request, reply) => {
    const input = parseInput(syncForm, request.body);
    const ids = selected(input.ids);
    const m = await mappingOf(ctx, list);
    const engine = await engineFor(ctx);
    const report = unwrap(
      await performAdhoc(ctx.db, engine, m, {
        kind: 'synchronizeNow',
        mapping: m.name,
        erpIds: ids,
        direction: input.direction,
        confirmOverwrite: input.confirmOverwrite,
      }),
    ) as SyncNowReport;
    return outcome(
      reply,
      <SyncNowResult
        report={report}
        names={await namesOf(ctx, list, ids)}
        confirmUrl={`${base}/synchronize`}
      />,
    );
  });
  web.post(`${base}/createInCrm`, async (request, reply) => {
    const ids = selected(parseInput(idsForm, request.body).ids);
    const m = await mappingOf(ctx, list);
    const engine = await engineFor(ctx);
    const report = unwrap(
      await performAdhoc(ctx.db, engine, m, { kind: 'createInCrm', mapping: m.name, erpIds: ids }),
    ) as CreateInReport;
    return outcome(
      reply,
      <CreateInResult report={report} names={await namesOf(ctx, list, ids)} noun={list.crmNoun} />,
    );
  });
  web.post(`${base}/matchBased`, async (request, reply) => {
    const ids = parseInput(idsForm, request.body).ids;
    const m = await mappingOf(ctx, list);
    const engine = await engineFor(ctx);
    const report = unwrap(
      await performAdhoc(ctx.db, engine, m, {
        kind: 'matchBased',
        mapping: m.name,
        ...(ids.length > 0 ? { erpIds: ids } : {}),
      }),
    ) as MatchReport;
    return outcome(reply, <MatchResult report={report} />);
  });
  web.post(`${base}/uncouple`, async (request, reply) => {
    const ids = selected(parseInput(idsForm, request.body).ids);
    const m = await mappingOf(ctx, list);
    const n = unwrap(
      await withMappingLock(ctx.db, m.name, () => uncouple(ctx.db, m, ids), {
        waitMs: LOCK_WAIT.request,
      }),
    );
    return outcome(
      reply,
      n > 0 ? (
        <SuccessBanner message={`Coupling deleted for ${plural(n, 'record')}.`} />
      ) : (
        <WarningBanner message="None of the selected records was coupled; nothing changed." />
      ),
    );
  });
  web.post<{ Params: { id: string } }>(`/${list.path}/:id/couple`, async (request, reply) => {
    const id = parseInput(z.guid('That is not a record id'), request.params.id);
    const input = parseInput(coupleForm, request.body);
    const m = await mappingOf(ctx, list);
    const engine = await engineFor(ctx);
    const result = unwrap(
      await setUpCoupling(ctx.db, engine, m, {
        erpId: id,
        crmName: input.crmName,
        synchronize: input.synchronize,
      }),
    );
    const names = await namesOf(ctx, list, [id]);
    return outcome(
      reply,
      <>
        <SuccessBanner
          message={`${names.get(id) ?? 'The record'} is now coupled with the ${list.crmNoun} '${input.crmName}'.`}
        />
        {result.synchronized ? (
          <SyncNowResult
            report={result.synchronized}
            names={names}
            confirmUrl={`${base}/synchronize`}
          />
        ) : (
          ''
        )}
      </>,
    );
  });
}
