import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { getEntity } from '../../erp/public-api.ts';
import { performAdhoc } from '../../integration/adhoc-jobs.ts';
import {
  COUPLING_FILTERS,
  type CoupledRecord,
  listCoupledRecords,
  mappingForErpTable,
} from '../../integration/coupled-records.ts';
import { setUpCoupling } from '../../integration/coupling-service.ts';
import { LOCK_WAIT, withMappingLock } from '../../integration/mapping-lock.ts';
import { openEngine } from '../../integration/sync-runtime.ts';
import { AppError } from '../../shared/errors.ts';
import type { Result } from '../../shared/result.ts';
import { couplingsByErpIds } from '../../sync/couplings/coupling-repo.ts';
import type { EngineContext } from '../../sync/engine/context.ts';
import type { Coupling, TableMapping } from '../../sync/model.ts';
import { uncouple } from '../../sync/service/couplings.ts';
import type { CreateInReport } from '../../sync/service/create-in.ts';
import type { MatchReport } from '../../sync/service/match-based-coupling.ts';
import type { SyncNowReport } from '../../sync/service/synchronize-now.ts';
import { ActionBar } from '../components/action-bar.tsx';
import { SuccessBanner, WarningBanner } from '../components/banner.tsx';
import { Card, Fields } from '../components/card.tsx';
import { type Column, DataList, Filters } from '../components/list.tsx';
import { CreateInResult, MatchResult, SyncNowResult } from '../components/sync-results.tsx';
import { checkbox, many, parseInput } from '../form.ts';
import { Layout } from '../layout.tsx';
import { sendHtml, viewOf } from '../view.ts';
import { canWrite } from '../web-auth.ts';
import type { WebDeps } from '../web-deps.ts';
import { CouplingBadge, couplingFilterLabels } from './coupling-badge.tsx';
import { registerCustomerStatistics, StatisticsBox } from './customer-statistics.tsx';
import { MASTER_LISTS, type MasterList } from './master-data-lists.ts';

export const PAGE_SIZE = 50;

const listQuery = z.object({
  search: z.string().max(100).optional(),
  coupling: z.enum(COUPLING_FILTERS).default('all'),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
});

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
export async function engineFor(ctx: AppContext): Promise<EngineContext> {
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

function must<T>(r: Result<T>): T {
  if (!r.ok) throw AppError.from(r.error);
  return r.value;
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

const directionChoices = (m: TableMapping | undefined) =>
  m?.direction === 'ToIntegrationTable'
    ? (['send'] as const)
    : m?.direction === 'FromIntegrationTable'
      ? (['get'] as const)
      : (['send', 'get', 'merge'] as const);

const DIRECTION_LABEL = {
  send: 'Send ERP data to Dynamics 365 Sales',
  get: 'Get data from Dynamics 365 Sales',
  merge: 'Merge both ways (conflicts by the mapping’s rule)',
} as const;

/** The write actions on selected records; `scope` is the form holding the record ids. */
function MasterActions(props: {
  list: MasterList;
  mapping: TableMapping | undefined;
  scope: string;
}) {
  const { list } = props;
  const base = `/${list.path}/actions`;
  const common = { 'hx-target': '#flash', 'hx-include': `#${props.scope}` };
  return (
    <ActionBar label={`Actions on the selected ${list.title.toLowerCase()}`}>
      <label for={`${list.path}-direction`}>Direction</label>
      <select id={`${list.path}-direction`} name="direction">
        {directionChoices(props.mapping).map((d) => (
          <option value={d} safe>
            {DIRECTION_LABEL[d]}
          </option>
        ))}
      </select>
      <button type="button" hx-post={`${base}/synchronize`} {...common}>
        Synchronize now
      </button>
      <button type="button" hx-post={`${base}/createInCrm`} {...common}>
        {`Create ${list.crmNoun} in Dynamics 365 Sales`}
      </button>
      <button
        type="button"
        hx-post={`${base}/matchBased`}
        {...common}
        title="Couples the selected records, or every uncoupled record when none is selected, with matching records"
      >
        Match-based coupling
      </button>
      <button
        type="button"
        class="danger"
        hx-post={`${base}/uncouple`}
        {...common}
        hx-confirm="Delete the coupling of the selected records? The records themselves stay."
      >
        Delete coupling
      </button>
    </ActionBar>
  );
}

function listColumns(list: MasterList): Column<CoupledRecord>[] {
  const [first, ...rest] = list.columns;
  return [
    {
      header: first!.header,
      html: (r) => (
        <a href={`/${list.path}/${r.record.id}`} safe>
          {String(r.record[first!.field] ?? '')}
        </a>
      ),
    },
    ...rest.map((c) => ({
      header: c.header,
      value: (r: CoupledRecord) => r.record[c.field],
      numeric: c.numeric,
    })),
    { header: 'Coupled', html: (r) => <CouplingBadge coupling={r.coupling} /> },
  ];
}

function registerList(web: FastifyInstance, { ctx, auth }: WebDeps, list: MasterList) {
  web.get(`/${list.path}`, async (request, reply) => {
    const q = parseInput(listQuery, request.query);
    const view = viewOf(request, auth);
    const mapping = await mappingForErpTable(ctx.db, list.set);
    const page = must(
      await listCoupledRecords(ctx.db, list.set, {
        search: q.search,
        coupling: q.coupling,
        top: PAGE_SIZE,
        skip: (q.page - 1) * PAGE_SIZE,
      }),
    );
    const id = `${list.path}-list`;
    const query = { search: q.search, coupling: q.coupling === 'all' ? undefined : q.coupling };
    return sendHtml(
      reply,
      <Layout view={view} title={list.title}>
        {mapping ? (
          ''
        ) : (
          <WarningBanner message="No integration table mapping couples these records, so they cannot be synchronized." />
        )}
        <Filters id={id} url={`/${list.path}`}>
          <label for="search">Search</label>
          <input
            id="search"
            type="search"
            name="search"
            value={q.search ?? ''}
            placeholder="No., code or name"
          />
          <label for="coupling">Coupling</label>
          <select id="coupling" name="coupling">
            {COUPLING_FILTERS.map((c) => (
              <option value={c} selected={q.coupling === c} safe>
                {couplingFilterLabels[c]}
              </option>
            ))}
          </select>
        </Filters>
        <DataList
          id={id}
          url={`/${list.path}`}
          caption={list.title}
          query={query}
          columns={listColumns(list)}
          page={{ rows: page.rows, total: page.total, page: q.page, pageSize: PAGE_SIZE }}
          select={canWrite(view.user) && mapping ? (r) => r.record.id : undefined}
          actions={
            canWrite(view.user) && mapping ? (
              <MasterActions list={list} mapping={mapping} scope={`${id}-selection`} />
            ) : undefined
          }
        />
      </Layout>,
    );
  });
}

/** Coupling details and the Set up coupling form on a record's card. */
function CouplingCard(props: {
  list: MasterList;
  recordId: string;
  coupling: Coupling | undefined;
  writable: boolean;
}) {
  const { coupling, list } = props;
  return (
    <Card title="Coupling with Dynamics 365 Sales" id="coupling">
      <p>
        <CouplingBadge coupling={coupling} />
      </p>
      {coupling ? (
        <Fields
          fields={[
            ['Dynamics 365 Sales record', `${coupling.crmEntity} ${coupling.crmId}`],
            ['Last synchronization to Dynamics 365 Sales', coupling.lastResultToCrm],
            ['Last error to Dynamics 365 Sales', coupling.lastErrorToCrm],
            ['Last synchronization from Dynamics 365 Sales', coupling.lastResultToErp],
            ['Last error from Dynamics 365 Sales', coupling.lastErrorToErp],
            ['Skipped', coupling.skipped],
          ]}
        />
      ) : (
        ''
      )}
      {props.writable ? (
        <form
          class="inline-form"
          hx-post={`/${list.path}/${props.recordId}/couple`}
          hx-target="#flash"
        >
          <label for="crmName">{`Set up coupling with the ${list.crmNoun} named`}</label>
          <input id="crmName" name="crmName" required autocomplete="off" />
          <label for="synchronize">Then</label>
          <select id="synchronize" name="synchronize">
            <option value="none">do not synchronize</option>
            <option value="send">send ERP data to Dynamics 365 Sales</option>
            <option value="get">get data from Dynamics 365 Sales</option>
          </select>
          <button type="submit">Set up coupling</button>
        </form>
      ) : (
        ''
      )}
    </Card>
  );
}

function registerCard(web: FastifyInstance, deps: WebDeps, list: MasterList) {
  const { ctx, auth } = deps;
  web.get<{ Params: { id: string } }>(`/${list.path}/:id`, async (request, reply) => {
    const id = parseInput(z.guid('That is not a record id'), request.params.id);
    const view = viewOf(request, auth);
    const record = must(await getEntity(ctx.db, list.set, id));
    const mapping = await mappingForErpTable(ctx.db, list.set);
    const coupling = (await couplingsByErpIds(ctx.db, list.set, [id])).get(id);
    const writable = canWrite(view.user) && mapping !== undefined;
    const { '@odata.etag': _etag, ...fields } = record;
    const title = `${list.title.replace(/s$/, '')} ${record[list.key]} · ${record['displayName'] ?? ''}`;
    return sendHtml(
      reply,
      <Layout view={view} title={title}>
        <p>
          <a href={`/${list.path}`}>{`← ${list.title}`}</a>
        </p>
        <form id="record-selection">
          <input type="hidden" name="ids" value={id} />
          {writable ? <MasterActions list={list} mapping={mapping} scope="record-selection" /> : ''}
        </form>
        <div class="grid">
          <Card title="General">
            <Fields fields={Object.entries(fields)} />
          </Card>
          <div
            hx-get={`/${list.path}/${id}`}
            hx-trigger="list-changed from:body"
            hx-select="#coupling"
            hx-target="#coupling"
            hx-swap="outerHTML"
            hx-disinherit="*"
          >
            <CouplingCard list={list} recordId={id} coupling={coupling} writable={writable} />
          </div>
          {list.set === 'customers' ? (
            <StatisticsBox
              deps={deps}
              customerId={id}
              number={String(record['number'])}
              coupled={coupling?.state === 'coupled'}
              writable={canWrite(view.user)}
            />
          ) : (
            ''
          )}
        </div>
      </Layout>,
    );
  });
}

/** Answers an action with its outcome banner and tells the page to refresh the list. */
function outcome(reply: FastifyReply, html: JSX.Element) {
  reply.header('hx-trigger', 'list-changed');
  return sendHtml(reply, html);
}

function registerActions(web: FastifyInstance, { ctx }: WebDeps, list: MasterList) {
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
    const report = must(
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
    const report = must(
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
    const report = must(
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
    const n = must(
      await withMappingLock(ctx.db, m.name, () => uncouple(ctx.db, m, ids), {
        waitMs: LOCK_WAIT.request,
      }),
    );
    return outcome(
      reply,
      n > 0 ? (
        <SuccessBanner message={`Coupling deleted for ${n} record${n === 1 ? '' : 's'}.`} />
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
    const result = must(
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

/** Customers, contacts, items, resources, salespeople, currencies and units, with their actions. */
export function registerMasterDataPages(web: FastifyInstance, deps: WebDeps): void {
  registerCustomerStatistics(web, deps);
  for (const list of MASTER_LISTS) {
    registerList(web, deps, list);
    registerActions(web, deps, list);
    registerCard(web, deps, list);
  }
}
