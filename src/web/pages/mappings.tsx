import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { restoreDefaultMapping } from '../../integration/connection-service.ts';
import { startMappingRun } from '../../integration/mapping-runs.ts';
import { updateMapping } from '../../integration/mapping-service.ts';
import { AppError } from '../../shared/errors.ts';
import type { Result } from '../../shared/result.ts';
import { getMapping, listMappings } from '../../sync/mappings/mapping-repo.ts';
import {
  DELETION_CONFLICT_POLICIES,
  DIRECTIONS,
  FILTER_OPS,
  type FieldMapping,
  type TableMapping,
  UPDATE_CONFLICT_POLICIES,
} from '../../sync/model.ts';
import { mappingStats } from '../../sync/queries.ts';
import { ActionBar } from '../components/action-bar.tsx';
import { SuccessBanner } from '../components/banner.tsx';
import { Card, display } from '../components/card.tsx';
import { type Column, DataList } from '../components/list.tsx';
import { checkbox, many, parseInput } from '../form.ts';
import { Layout } from '../layout.tsx';
import { sendHtml, viewOf } from '../view.ts';
import { canWrite, isAdmin } from '../web-auth.ts';
import type { WebDeps } from '../web-deps.ts';

function must<T>(r: Result<T>): T {
  if (!r.ok) throw AppError.from(r.error);
  return r.value;
}

const ADMIN = { roles: ['admin'] as const };
const DIRECTION_LABEL: Record<string, string> = {
  Bidirectional: 'Both ways',
  ToIntegrationTable: 'To Dynamics 365 Sales',
  FromIntegrationTable: 'From Dynamics 365 Sales',
};

const filterJson = z
  .string()
  .trim()
  .transform((text, c) => {
    if (text === '') return [];
    try {
      return JSON.parse(text) as unknown;
    } catch {
      c.addIssue({
        code: 'custom',
        message: 'A filter must be JSON, e.g. [{"field":"blocked","op":"eq","value":""}]',
      });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(
        z.strictObject({
          field: z.string().min(1).max(100),
          op: z.enum(FILTER_OPS),
          value: z.unknown().optional(),
        }),
        { error: 'A filter is a list of conditions [{"field","op","value"}]' },
      )
      .max(50),
  );

const mappingForm = z.object({
  direction: z.enum(DIRECTIONS),
  erpFilter: filterJson,
  crmFilter: filterJson,
  syncOnlyCoupled: checkbox,
  updateConflict: z.enum(UPDATE_CONFLICT_POLICIES),
  deletionConflict: z.enum(DELETION_CONFLICT_POLICIES),
  jobEnabled: checkbox,
  jobIntervalMinutes: z.coerce
    .number()
    .int('Whole minutes')
    .min(1, 'At least 1 minute')
    .max(10080, 'At most a week'),
  conflictExpiryHours: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce
      .number()
      .int('Whole hours')
      .min(1, 'At least 1 hour')
      .max(8760, 'At most a year')
      .optional(),
  ),
});
const CONFLICT_LABEL: Record<string, string> = {
  None: 'Fail the record (None)',
  SendUpdate: 'The ERP wins (SendUpdate)',
  GetUpdate: 'Dynamics 365 Sales wins (GetUpdate)',
  ask: 'Ask: hold the field in the conflict inbox (ask)',
};
const fieldsForm = z.object({ direction: many(z.enum(DIRECTIONS)) });

type MappingRow = TableMapping & { errors: number; skipped: number; lastRunAt: Date | null };

const COLUMNS = (admin: boolean, writer: boolean): Column<MappingRow>[] => [
  {
    header: 'Name',
    html: (m) => (
      <a href={`/integration/mappings/${encodeURIComponent(m.name)}`} safe>
        {m.name}
      </a>
    ),
  },
  { header: 'ERP table', value: (m) => m.erpTable },
  { header: 'Dynamics 365 Sales table', value: (m) => m.crmEntity },
  { header: 'Direction', value: (m) => DIRECTION_LABEL[m.direction] },
  { header: 'Only coupled', value: (m) => m.syncOnlyCoupled },
  { header: 'Job', value: (m) => (m.jobEnabled ? `every ${m.jobIntervalMinutes} min` : 'off') },
  { header: 'Last run', value: (m) => m.lastRunAt },
  {
    header: 'Errors',
    html: (m) => (
      <a href={`/integration/log?mapping=${encodeURIComponent(m.name)}`} safe>
        {String(m.errors)}
      </a>
    ),
    numeric: true,
  },
  {
    header: 'Skipped',
    html: (m) => (
      <a href={`/integration/skipped?mapping=${encodeURIComponent(m.name)}`} safe>
        {String(m.skipped)}
      </a>
    ),
    numeric: true,
  },
  ...(writer
    ? [
        {
          header: 'Actions',
          html: (m: MappingRow) => (
            <ActionBar label={`Actions on ${m.name}`}>
              <button
                type="button"
                hx-post={`/integration/mappings/${encodeURIComponent(m.name)}/run`}
                hx-target="#flash"
              >
                Synchronize modified records
              </button>
              {admin ? (
                <button
                  type="button"
                  hx-post={`/integration/mappings/${encodeURIComponent(m.name)}/restoreDefault`}
                  hx-target="#flash"
                  hx-confirm={`Restore the shipped settings and field mappings of ${m.name}?`}
                >
                  Restore default
                </button>
              ) : (
                ''
              )}
            </ActionBar>
          ),
        },
      ]
    : []),
];

function FieldTable(props: { m: TableMapping; admin: boolean }) {
  const cols: Column<FieldMapping>[] = [
    { header: 'ERP field', value: (f) => f.erpField ?? '' },
    { header: 'Dynamics 365 Sales column', value: (f) => f.crmField ?? '' },
    {
      header: 'Direction',
      html: (f) => (
        <select
          name="direction"
          form="fields-form"
          disabled={!props.admin}
          aria-label={`Direction of ${f.erpField ?? f.crmField ?? ''}`}
        >
          {DIRECTIONS.map((d) => (
            <option value={d} selected={f.direction === d} safe>
              {DIRECTION_LABEL[d]}
            </option>
          ))}
        </select>
      ),
    },
    { header: 'Constant', value: (f) => f.constantValue ?? '' },
    { header: 'Lookup', value: (f) => (f.lookup ? `${f.lookup.mapping}.${f.lookup.erpKey}` : '') },
    { header: 'Transformation', value: (f) => f.transformation ?? '' },
    {
      header: 'Match priority',
      value: (f) => (f.useForMatching ? f.matchPriority : ''),
      numeric: true,
    },
    { header: 'Enabled', value: (f) => f.enabled },
  ];
  return (
    <>
      <DataList
        id="fields"
        url="#"
        refresh={false}
        caption="Field mappings"
        query={{}}
        columns={cols}
        page={{
          rows: props.m.fields,
          total: props.m.fields.length,
          page: 1,
          pageSize: Math.max(1, props.m.fields.length),
        }}
      />
      {props.admin ? (
        <form
          id="fields-form"
          hx-post={`/integration/mappings/${encodeURIComponent(props.m.name)}/fields`}
          hx-target="#flash"
        >
          <button type="submit">Save field directions</button>
        </form>
      ) : (
        ''
      )}
    </>
  );
}

function MappingForm(props: { m: TableMapping; admin: boolean }) {
  const { m } = props;
  const dis = !props.admin;
  const select = (
    name: string,
    label: string,
    values: readonly string[],
    current: string,
    labels?: Record<string, string>,
  ) => (
    <>
      <label for={`m-${name}`} safe>
        {label}
      </label>
      <select id={`m-${name}`} name={name} disabled={dis}>
        {values.map((v) => (
          <option value={v} selected={current === v} safe>
            {labels?.[v] ?? v}
          </option>
        ))}
      </select>
    </>
  );
  return (
    <form
      class="stack wide"
      hx-post={props.admin ? `/integration/mappings/${encodeURIComponent(m.name)}` : undefined}
      hx-target="#flash"
    >
      {select('direction', 'Direction', DIRECTIONS, m.direction, DIRECTION_LABEL)}
      <label for="m-erpFilter">ERP filter (JSON conditions)</label>
      <textarea id="m-erpFilter" name="erpFilter" rows="2" disabled={dis} safe>
        {m.erpFilter.length ? JSON.stringify(m.erpFilter) : ''}
      </textarea>
      <label for="m-crmFilter">Dynamics 365 Sales filter (JSON conditions)</label>
      <textarea id="m-crmFilter" name="crmFilter" rows="2" disabled={dis} safe>
        {m.crmFilter.length ? JSON.stringify(m.crmFilter) : ''}
      </textarea>
      <span>
        <input
          type="checkbox"
          id="m-syncOnlyCoupled"
          name="syncOnlyCoupled"
          checked={m.syncOnlyCoupled}
          disabled={dis}
        />
        <label for="m-syncOnlyCoupled"> Synchronize only coupled records</label>
      </span>
      {select(
        'updateConflict',
        'When both sides changed',
        UPDATE_CONFLICT_POLICIES,
        m.updateConflict,
        CONFLICT_LABEL,
      )}
      <label for="m-conflictExpiry">Conflict inbox: unresolved entries fail after (hours)</label>
      <input
        id="m-conflictExpiry"
        name="conflictExpiryHours"
        value={String(m.conflictExpiryHours ?? 168)}
        disabled={dis}
        inputmode="numeric"
      />
      {select(
        'deletionConflict',
        'When the coupled record was deleted',
        DELETION_CONFLICT_POLICIES,
        m.deletionConflict,
      )}
      <span>
        <input
          type="checkbox"
          id="m-jobEnabled"
          name="jobEnabled"
          checked={m.jobEnabled}
          disabled={dis}
        />
        <label for="m-jobEnabled"> Scheduled job on</label>
      </span>
      <label for="m-interval">Interval (minutes)</label>
      <input
        id="m-interval"
        name="jobIntervalMinutes"
        value={String(m.jobIntervalMinutes)}
        disabled={dis}
        inputmode="numeric"
      />
      {props.admin ? <button type="submit">Save the mapping</button> : ''}
      <p class="hint" safe>{`Dependencies: ${m.dependencyFilter || 'none'}`}</p>
    </form>
  );
}

/** Integration table mappings and their field mappings: view, edit, restore default, run. */
export function registerMappingPages(web: FastifyInstance, { ctx, auth }: WebDeps): void {
  const syncDeps = { db: ctx.db, config: ctx.config, logger: ctx.logger };
  web.get('/integration/mappings', async (request, reply) => {
    const view = viewOf(request, auth);
    const stats = await mappingStats(ctx.db);
    const rows: MappingRow[] = (await listMappings(ctx.db)).map((m) => ({
      ...m,
      errors: stats.get(m.name)?.errors ?? 0,
      skipped: stats.get(m.name)?.skipped ?? 0,
      lastRunAt: stats.get(m.name)?.lastRunAt ?? null,
    }));
    return sendHtml(
      reply,
      <Layout view={view} title="Integration table mappings">
        <DataList
          id="mappings"
          url="/integration/mappings"
          caption="Integration table mappings"
          query={{}}
          columns={COLUMNS(isAdmin(view.user), canWrite(view.user))}
          page={{ rows, total: rows.length, page: 1, pageSize: Math.max(1, rows.length) }}
          empty="No mappings yet; run the assisted setup."
        />
      </Layout>,
    );
  });
  const mappingOf = async (name: string) => {
    const m = await getMapping(ctx.db, parseInput(z.string().min(1).max(30), name));
    if (!m) throw new AppError('not_found', `No table mapping named '${name}'`);
    return m;
  };
  web.get<{ Params: { name: string } }>('/integration/mappings/:name', async (request, reply) => {
    const view = viewOf(request, auth);
    const m = await mappingOf(request.params.name);
    const admin = isAdmin(view.user);
    return sendHtml(
      reply,
      <Layout view={view} title={`Table mapping ${m.name}`}>
        <p>
          <a href="/integration/mappings">← Table mappings</a> ·{' '}
          <a href={`/integration/log?mapping=${encodeURIComponent(m.name)}`}>Synchronization log</a>{' '}
          ·{' '}
          <a href={`/integration/mappings/${encodeURIComponent(m.name)}/preview`}>Preview a run</a>
        </p>
        <div class="grid">
          <Card title="Mapping">
            <p
              safe
            >{`${m.erpTable} ⇄ ${m.crmEntity}${m.isOptionMapping ? ' (option values)' : ''} · ${display(m.userDefined ? 'user-defined' : 'default')}`}</p>
            <MappingForm m={m} admin={admin} />
          </Card>
        </div>
        <Card title="Field mappings">
          <FieldTable m={m} admin={admin} />
        </Card>
      </Layout>,
    );
  });
  web.post<{ Params: { name: string } }>(
    '/integration/mappings/:name',
    { config: ADMIN },
    async (request, reply) => {
      const m = await mappingOf(request.params.name);
      const input = parseInput(mappingForm, request.body);
      must(await updateMapping(ctx.db, m.name, input));
      return sendHtml(reply, <SuccessBanner message={`Mapping ${m.name} is saved.`} />);
    },
  );
  web.post<{ Params: { name: string } }>(
    '/integration/mappings/:name/fields',
    { config: ADMIN },
    async (request, reply) => {
      const m = await mappingOf(request.params.name);
      const { direction } = parseInput(fieldsForm, request.body);
      if (direction.length !== m.fields.length)
        throw new AppError(
          'validation_failed',
          'The field list changed meanwhile; reload the page and try again',
        );
      must(
        await updateMapping(ctx.db, m.name, {
          fields: m.fields.map((f, i) => ({ ...f, direction: direction[i]! })),
        }),
      );
      return sendHtml(
        reply,
        <SuccessBanner message={`The field mappings of ${m.name} are saved.`} />,
      );
    },
  );
  web.post<{ Params: { name: string } }>(
    '/integration/mappings/:name/restoreDefault',
    { config: ADMIN },
    async (request, reply) => {
      const m = await mappingOf(request.params.name);
      must(await restoreDefaultMapping(syncDeps, m.name));
      reply.header('hx-trigger', 'list-changed');
      return sendHtml(
        reply,
        <SuccessBanner
          message={`Mapping ${m.name} has its shipped settings and field mappings again.`}
        />,
      );
    },
  );
  web.post<{ Params: { name: string } }>(
    '/integration/mappings/:name/run',
    async (request, reply) => {
      const m = await mappingOf(request.params.name);
      const run = await startMappingRun(syncDeps, [m.name], {
        full: false,
        trigger: 'manual',
        now: ctx.clock.now(),
      });
      reply.header('hx-redirect', `/runs/${run.id}`);
      return reply.status(204).send();
    },
  );
}
