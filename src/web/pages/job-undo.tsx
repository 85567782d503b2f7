import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { LOCK_WAIT } from '../../integration/mapping-lock.ts';
import { openEngine } from '../../integration/sync-runtime.ts';
import { undoJobLocked } from '../../integration/undo-service.ts';
import { AppError } from '../../shared/errors.ts';
import { previewUndo, type UndoReport } from '../../sync/undo/undo-job.ts';
import { ActionBar } from '../components/action-bar.tsx';
import { ErrorBanner, Lines, SuccessBanner, WarningBanner } from '../components/banner.tsx';
import { Card } from '../components/card.tsx';
import { type Column, DataList } from '../components/list.tsx';
import { parseInput } from '../form.ts';
import { Layout } from '../layout.tsx';
import { sendHtml, viewOf } from '../view.ts';
import { isAdmin } from '../web-auth.ts';
import type { WebDeps } from '../web-deps.ts';

const ADMIN = { roles: ['admin'] as const };
const SIDE: Record<string, string> = { erp: 'ERP', crm: 'Dynamics 365 Sales' };
const show = (v: unknown) => (v === undefined ? 'unknown' : v === null ? '(empty)' : String(v));

interface FieldRow {
  side: string;
  recordId: string;
  field: string;
  now: unknown;
  other: unknown;
  note?: string;
}

const FIELD_COLUMNS: Column<FieldRow>[] = [
  { header: 'Side', value: (r) => SIDE[r.side] ?? r.side },
  { header: 'Record', value: (r) => r.recordId },
  { header: 'Field', value: (r) => r.field },
  { header: 'Now', value: (r) => show(r.now) },
  { header: 'Gets back', value: (r) => show(r.other) },
];

const LEFT_COLUMNS: Column<FieldRow>[] = [
  { header: 'Side', value: (r) => SIDE[r.side] ?? r.side },
  { header: 'Record', value: (r) => r.recordId },
  { header: 'Field', value: (r) => r.field },
  { header: 'Now (left as it is)', value: (r) => show(r.now) },
  { header: 'The job wrote', value: (r) => show(r.other) },
  { header: 'Why', value: (r) => r.note },
];

function List(props: { id: string; rows: FieldRow[]; columns: Column<FieldRow>[]; empty: string }) {
  return (
    <DataList
      id={props.id}
      url="#"
      refresh={false}
      caption=""
      query={{}}
      columns={props.columns}
      page={{
        rows: props.rows,
        total: props.rows.length,
        page: 1,
        pageSize: Math.max(1, props.rows.length),
      }}
      empty={props.empty}
    />
  );
}

/** The preview of an undo, as the page shows it before the user confirms. */
function Preview(props: { r: UndoReport }) {
  const { r } = props;
  const restores = r.restored.flatMap((x) =>
    Object.entries(x.changes ?? {}).map(([field, c]) => ({
      side: x.side,
      recordId: x.recordId,
      field,
      now: c.current,
      other: c.restore,
    })),
  );
  const left = r.notRestored.map((n) => ({
    side: n.side,
    recordId: n.recordId,
    field: n.field,
    now: n.current,
    other: n.jobValue,
    note: n.reason.replaceAll('_', ' '),
  }));
  const records = [
    ...r.removed.map(
      (x) =>
        `${x.how === 'gone' ? 'uncouple (already gone)' : x.how} ${SIDE[x.side]} ${x.recordId}`,
    ),
    ...r.recreated.map((x) => `re-create ${SIDE[x.side]} ${x.recordId}`),
    ...r.skipped.map((x) => `skip ${SIDE[x.side]} ${x.recordId}: ${x.message}`),
    ...r.failed.map((x) => `cannot: ${SIDE[x.side]} ${x.recordId}: ${x.message}`),
  ];
  return (
    <>
      <Card title="Fields restored">
        <List
          id="undo-restores"
          rows={restores}
          columns={FIELD_COLUMNS}
          empty="No field to restore."
        />
      </Card>
      <Card title="Fields left as they are (changed since the job)">
        <List
          id="undo-left"
          rows={left}
          columns={LEFT_COLUMNS}
          empty="Nobody changed a field the job wrote."
        />
      </Card>
      <Card title="Records deleted, deactivated or re-created">
        {records.length > 0 ? <Lines items={records} /> : <p>None.</p>}
      </Card>
    </>
  );
}

/** Undo of a job from the job's page: the preview first, then the admin's confirmation. */
export function registerJobUndoPages(web: FastifyInstance, { ctx, auth }: WebDeps): void {
  const engine = async () => {
    const e = await openEngine({ db: ctx.db, config: ctx.config, logger: ctx.logger });
    if (!e.ok) throw AppError.from(e.error);
    return e.value;
  };
  const jobId = (raw: string) => parseInput(z.guid('That is not a job id'), raw);
  web.get<{ Params: { id: string } }>('/integration/log/:id/undo', async (request, reply) => {
    const view = viewOf(request, auth);
    const id = jobId(request.params.id);
    const r = await previewUndo(await engine(), id);
    if (!r.ok && r.error.code === 'not_found') throw AppError.from(r.error);
    return sendHtml(
      reply,
      <Layout view={view} title="Undo a synchronization job">
        <p>
          <a href={`/integration/log/${id}`}>← The job</a>
        </p>
        {!r.ok ? (
          <ErrorBanner title="This job cannot be undone" message={r.error.message} />
        ) : (
          <>
            <WarningBanner
              message={`Undoing this job would do: ${r.value.message}. Nothing has been written yet.`}
            />
            {isAdmin(view.user) ? (
              <ActionBar label="Undo">
                <button
                  type="button"
                  class="primary"
                  hx-post={`/integration/log/${id}/undo`}
                  hx-target="#flash"
                  hx-confirm="Undo this job in the ERP and Dynamics 365 Sales?"
                >
                  Undo the job
                </button>
              </ActionBar>
            ) : (
              <p class="hint">Only an administrator can undo a job.</p>
            )}
            <Preview r={r.value} />
          </>
        )}
      </Layout>,
    );
  });
  web.post<{ Params: { id: string } }>(
    '/integration/log/:id/undo',
    { config: ADMIN },
    async (request, reply) => {
      const id = jobId(request.params.id);
      const r = await undoJobLocked(ctx.db, await engine(), id, LOCK_WAIT.request);
      if (!r.ok) throw AppError.from(r.error);
      return sendHtml(
        reply,
        <SuccessBanner message={`Undone by job ${r.value.undoJobId}: ${r.value.message}.`}>
          <a href={`/integration/log/${r.value.undoJobId}`}>The undo job</a>
        </SuccessBanner>,
      );
    },
  );
}
