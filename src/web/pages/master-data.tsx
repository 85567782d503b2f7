import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { getEntity } from '../../erp/public-api.ts';
import {
  COUPLING_FILTERS,
  type CoupledRecord,
  listCoupledRecords,
  mappingForErpTable,
} from '../../integration/coupled-records.ts';
import { openEngine } from '../../integration/sync-runtime.ts';
import { unwrap } from '../../shared/errors.ts';
import { couplingsByErpIds } from '../../sync/couplings/coupling-repo.ts';
import type { Coupling, TableMapping } from '../../sync/model.ts';
import { type RecordName, readNames, recordLabel } from '../../sync/record-names.ts';
import { ActionBar } from '../components/action-bar.tsx';
import { WarningBanner } from '../components/banner.tsx';
import { Card, Fields } from '../components/card.tsx';
import { type Column, DataList, Filters, SearchInput } from '../components/list.tsx';
import { parseInput } from '../form.ts';
import { Layout } from '../layout.tsx';
import { sendHtml, viewOf } from '../view.ts';
import { canWrite } from '../web-auth.ts';
import type { WebDeps } from '../web-deps.ts';
import { CouplingBadge, couplingFilterLabels } from './coupling-badge.tsx';
import { registerCustomerStatistics, StatisticsBox } from './customer-statistics.tsx';
import { registerActions } from './master-data-actions.tsx';
import { MASTER_LISTS, type MasterList } from './master-data-lists.ts';
import { fieldValue, recordFields } from './record-fields.ts';

export const PAGE_SIZE = 50;

const listQuery = z.object({
  search: z.string().max(100).optional(),
  coupling: z.enum(COUPLING_FILTERS).default('all'),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
});

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
      value: (r: CoupledRecord) =>
        fieldValue(c.field, c.numeric ? 'decimal' : 'string', r.record[c.field]),
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
    const page = unwrap(
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
          <SearchInput value={q.search} placeholder="No., code or name" />
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
  /** The coupled CRM record's name (null: it no longer exists; undefined: not read). */
  crmName?: RecordName;
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
            [
              'Dynamics 365 Sales record',
              props.crmName
                ? `${coupling.crmEntity} ${props.crmName} (${coupling.crmId})`
                : recordLabel('crm', coupling.crmEntity, coupling.crmId, props.crmName),
            ],
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

/** The name of a coupled CRM record, read from the CRM (undefined when it cannot be read). */
async function crmNameOf(deps: WebDeps, coupling: Coupling): Promise<RecordName> {
  const { ctx } = deps;
  const engine = await openEngine({ db: ctx.db, config: ctx.config, logger: ctx.logger });
  if (!engine.ok) return undefined;
  const names = await readNames(engine.value, [
    { side: 'crm', table: coupling.crmEntity, id: coupling.crmId },
  ]);
  return names('crm', coupling.crmEntity, coupling.crmId);
}

function registerCard(web: FastifyInstance, deps: WebDeps, list: MasterList) {
  const { ctx, auth } = deps;
  web.get<{ Params: { id: string } }>(`/${list.path}/:id`, async (request, reply) => {
    const id = parseInput(z.guid('That is not a record id'), request.params.id);
    const view = viewOf(request, auth);
    const record = unwrap(await getEntity(ctx.db, list.set, id));
    const mapping = await mappingForErpTable(ctx.db, list.set);
    const coupling = (await couplingsByErpIds(ctx.db, list.set, [id])).get(id);
    const writable = canWrite(view.user) && mapping !== undefined;
    const title = `${list.singular} ${record[list.key]} · ${record['displayName'] ?? ''}`;
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
            <Fields fields={recordFields(list.set, record)} />
          </Card>
          <div
            hx-get={`/${list.path}/${id}`}
            hx-trigger="list-changed from:body"
            hx-select="#coupling"
            hx-target="#coupling"
            hx-swap="outerHTML"
            hx-disinherit="*"
          >
            <CouplingCard
              list={list}
              recordId={id}
              coupling={coupling}
              crmName={coupling ? await crmNameOf(deps, coupling) : undefined}
              writable={writable}
            />
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

/** Customers, contacts, items, resources, salespeople, currencies and units, with their actions. */
export function registerMasterDataPages(web: FastifyInstance, deps: WebDeps): void {
  registerCustomerStatistics(web, deps);
  for (const list of MASTER_LISTS) {
    registerList(web, deps, list);
    registerActions(web, deps, list);
    registerCard(web, deps, list);
  }
}
