import { escapeHtml } from '@kitajs/html';
import type { FastifyInstance } from 'fastify';
import { restoreDefaultMapping } from '../../integration/connection-service.ts';
import { startMappingRun } from '../../integration/mapping-runs.ts';
import { updateMapping } from '../../integration/mapping-service.ts';
import { listRealtimeMappings } from '../../integration/realtime/realtime-settings.ts';
import { PASS_LABEL } from '../../integration/status/mapping-status.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import { mappingName, noSuchMapping } from '../../sync/mappings/mapping-name.ts';
import { getMapping, listMappings } from '../../sync/mappings/mapping-repo.ts';
import type { TableMapping } from '../../sync/model.ts';
import { type MappingStats, mappingStats } from '../../sync/queries.ts';
import { ActionBar } from '../components/action-bar.tsx';
import { SuccessBanner } from '../components/banner.tsx';
import { Card, display } from '../components/card.tsx';
import { type Column, DataList, onePage } from '../components/list.tsx';
import { parseInput } from '../form.ts';
import { Layout } from '../layout.tsx';
import { sendHtml, viewOf } from '../view.ts';
import { canWrite, isAdmin } from '../web-auth.ts';
import type { WebDeps } from '../web-deps.ts';
import {
  DIRECTION_LABEL,
  FieldTable,
  fieldsForm,
  MappingForm,
  mappingForm,
} from './mapping-form.tsx';
import { RealtimeSwitch, realtimeOf, registerRealtimeSwitch } from './mapping-realtime.tsx';

const ADMIN = { roles: ['admin'] as const };

type MappingRow = TableMapping & MappingStats & { realtime: boolean };

/**
 * A table or column name that may break after a dot or an underscore and before a capital
 * (account.<wbr>address1_<wbr>shippingmethodcode, resource<wbr>Units<wbr>Of<wbr>Measure): its
 * column is as narrow as its longest part, and no part is cut in the middle.
 */
function Identifier(props: { name: string }) {
  const parts = props.name.split(/(?<=[._])|(?=[A-Z][a-z])/);
  return <>{parts.map((p, i) => (i === 0 ? escapeHtml(p) : `<wbr>${escapeHtml(p)}`)).join('')}</>;
}

/** A moment on two lines at most: the date, then the time, neither broken at its hyphens. */
function When(props: { at: Date | null }) {
  const [date, time] = display(props.at).split(' ');
  return (
    <>
      <span class="nowrap" safe>
        {date}
      </span>{' '}
      {time ? (
        <span class="nowrap" safe>
          {time}
        </span>
      ) : (
        ''
      )}
    </>
  );
}

// Captions are short and long values wrap so the list fits a 1400-px window beside the navigation
// (it was 1,477 px wide); each short caption says on hover what it stands for. 'Synchronize only
// coupled records', a setting seldom looked up, is shown on the mapping's page only.
const COLUMNS = (admin: boolean, writer: boolean): Column<MappingRow>[] => [
  {
    header: 'Name',
    html: (m) => (
      <a href={`/integration/mappings/${encodeURIComponent(m.name)}`} safe>
        {m.name}
      </a>
    ),
  },
  { header: 'ERP table', html: (m) => <Identifier name={m.erpTable} /> },
  {
    header: 'CRM table',
    title: 'Dynamics 365 Sales table',
    html: (m) => <Identifier name={m.crmEntity} />,
  },
  { header: 'Direction', value: (m) => DIRECTION_LABEL[m.direction] },
  {
    header: 'Job',
    title: 'The scheduled job that synchronizes modified records',
    value: (m) => (m.jobEnabled ? `every ${m.jobIntervalMinutes} min` : 'off'),
  },
  {
    header: 'Real-time',
    title: 'Real-time propagation of changes (switched on the mapping page)',
    value: (m) => (m.realtime ? 'on' : 'off'),
  },
  { header: 'Last run', html: (m) => <When at={m.lastRunAt} /> },
  {
    // A pass that failed as a whole counts no record errors: without this column it looked fine.
    header: 'Last result',
    class: 'result',
    wrap: true,
    html: (m) =>
      m.lastFailure ? (
        <span title={m.lastFailure.message ?? undefined}>
          <span class="badge bad" safe>
            {`${PASS_LABEL[m.lastFailure.direction]} failed`}
          </span>{' '}
          <span class="hint" safe>
            {m.lastFailure.message ?? 'no message'}
          </span>
        </span>
      ) : (
        <span safe>{m.lastRunStatus ?? '-'}</span>
      ),
  },
  {
    // Every record failure its passes ever counted (the log), not what fails now: the Overview and
    // kobling status count open record errors and failing records.
    header: 'Failures',
    title: 'Record failures (all passes): every one the synchronization log counted',
    html: (m) => (
      <a href={`/integration/log?mapping=${encodeURIComponent(m.name)}`} safe>
        {String(m.errors)}
      </a>
    ),
    numeric: true,
  },
  {
    header: 'Skipped',
    title: 'Skipped records: couplings left out of synchronization',
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
          class: 'row-actions',
          html: (m: MappingRow) => (
            <ActionBar label={`Actions on ${m.name}`}>
              <button
                type="button"
                class="small"
                aria-label="Synchronize modified records"
                title="Synchronize modified records"
                hx-post={`/integration/mappings/${encodeURIComponent(m.name)}/run`}
                hx-target="#flash"
              >
                Synchronize
              </button>
              {admin ? (
                <button
                  type="button"
                  class="small"
                  title="Restore the shipped settings and field mappings"
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

/** Integration table mappings and their field mappings: view, edit, restore default, run. */
export function registerMappingPages(web: FastifyInstance, { ctx, auth }: WebDeps): void {
  const syncDeps = { db: ctx.db, config: ctx.config, logger: ctx.logger };
  web.get('/integration/mappings', async (request, reply) => {
    const view = viewOf(request, auth);
    const stats = await mappingStats(ctx.db);
    const realtime = new Map((await listRealtimeMappings(ctx.db)).map((m) => [m.name, m]));
    const rows: MappingRow[] = (await listMappings(ctx.db)).map((m) => ({
      ...m,
      errors: stats.get(m.name)?.errors ?? 0,
      skipped: stats.get(m.name)?.skipped ?? 0,
      lastRunAt: stats.get(m.name)?.lastRunAt ?? null,
      lastRunStatus: stats.get(m.name)?.lastRunStatus ?? null,
      lastFailure: stats.get(m.name)?.lastFailure ?? null,
      realtime: realtime.get(m.name)?.realtime ?? false,
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
          page={onePage(rows)}
          empty="No mappings yet; run the assisted setup."
        />
      </Layout>,
    );
  });
  const mappingOf = async (name: string) => {
    const stored = parseInput(mappingName, name);
    const m = await getMapping(ctx.db, stored);
    if (!m) throw AppError.from(await noSuchMapping(ctx.db, stored));
    return m;
  };
  web.get<{ Params: { name: string } }>('/integration/mappings/:name', async (request, reply) => {
    const view = viewOf(request, auth);
    const m = await mappingOf(request.params.name);
    const admin = isAdmin(view.user);
    const realtime = await realtimeOf(ctx.db, m.name);
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
          <Card title="Real-time propagation">
            <RealtimeSwitch name={m.name} {...realtime} admin={admin} />
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
      unwrap(await updateMapping(ctx.db, m.name, input));
      return sendHtml(reply, <SuccessBanner message={`Mapping ${m.name} is saved.`} />);
    },
  );
  registerRealtimeSwitch(web, ctx);
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
      unwrap(
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
      unwrap(await restoreDefaultMapping(syncDeps, m.name));
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
