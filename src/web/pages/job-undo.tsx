import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { LOCK_WAIT } from '../../integration/mapping-lock.ts';
import { openEngine } from '../../integration/sync-runtime.ts';
import { undoJobLocked } from '../../integration/undo-service.ts';
import { AppError } from '../../shared/errors.ts';
import type { Side } from '../../sync/record-names.ts';
import { previewUndo, type UndoReport } from '../../sync/undo/undo-job.ts';
import { ActionBar } from '../components/action-bar.tsx';
import { ErrorBanner, SuccessBanner, WarningBanner } from '../components/banner.tsx';
import { Card } from '../components/card.tsx';
import { type Column, StaticList } from '../components/list.tsx';
import { RecordLabel } from '../components/record-label.tsx';
import { parseInput } from '../form.ts';
import { Layout } from '../layout.tsx';
import { sendHtml, viewOf } from '../view.ts';
import { isAdmin } from '../web-auth.ts';
import type { WebDeps } from '../web-deps.ts';

const ADMIN = { roles: ['admin'] as const };
const SIDE: Record<string, string> = { erp: 'ERP', crm: 'Dynamics 365 Sales' };
const show = (v: unknown) => (v === undefined ? 'unknown' : v === null ? '(empty)' : String(v));

/** The mapping's tables, to say which table a record of a side is of. */
type Tables = Pick<UndoReport, 'erpTable' | 'crmEntity'>;
const tableOf = (t: Tables, side: Side) => (side === 'erp' ? t.erpTable : t.crmEntity);

interface FieldRow {
  side: Side;
  recordId: string;
  name: string | null;
  field: string;
  now: unknown;
  other: unknown;
  note?: string;
}

/**
 * A card listing fields of records: their value now and the other value (what it gets back, or
 * what the job wrote), with why where it is left as it is.
 */
function FieldsCard(props: {
  title: string;
  id: string;
  tables: Tables;
  rows: FieldRow[];
  headers: { now: string; other: string; why?: string };
  empty: string;
}) {
  const { tables, headers } = props;
  const columns: Column<FieldRow>[] = [
    { header: 'Side', value: (r) => SIDE[r.side] ?? r.side },
    {
      header: 'Record',
      html: (r) => (
        <RecordLabel side={r.side} table={tableOf(tables, r.side)} id={r.recordId} name={r.name} />
      ),
    },
    { header: 'Field', value: (r) => r.field },
    { header: headers.now, value: (r) => show(r.now) },
    { header: headers.other, value: (r) => show(r.other) },
    ...(headers.why ? [{ header: headers.why, value: (r: FieldRow) => r.note }] : []),
  ];
  return (
    <Card title={props.title}>
      <StaticList id={props.id} columns={columns} rows={props.rows} empty={props.empty} />
    </Card>
  );
}

/** A record the undo removes, re-creates, skips or cannot take away: what, which, and why. */
interface RecordLine {
  what: string;
  side: Side;
  recordId: string;
  name: string | null;
  why?: string;
}

/** The preview of an undo, as the page shows it before the user confirms. */
function Preview(props: { r: UndoReport }) {
  const { r } = props;
  const restores = r.restored.flatMap((x) =>
    Object.entries(x.changes ?? {}).map(([field, c]) => ({
      side: x.side,
      recordId: x.recordId,
      name: x.name,
      field,
      now: c.current,
      other: c.restore,
    })),
  );
  const left = r.notRestored.map((n) => ({
    side: n.side,
    recordId: n.recordId,
    name: n.name,
    field: n.field,
    now: n.current,
    other: n.jobValue,
    note: n.reason.replaceAll('_', ' '),
  }));
  const records: RecordLine[] = [
    ...r.removed.map((x) => ({ ...x, what: x.how === 'gone' ? 'uncouple (already gone)' : x.how })),
    ...r.recreated.map((x) => ({ ...x, what: 're-create' })),
    ...r.skipped.map((x) => ({ ...x, what: 'skip', why: x.message })),
    ...r.failed.map((x) => ({ ...x, what: 'cannot', why: x.message })),
  ];
  return (
    <>
      <FieldsCard
        title="Fields restored"
        id="undo-restores"
        tables={r}
        rows={restores}
        headers={{ now: 'Now', other: 'Gets back' }}
        empty="No field to restore."
      />
      <FieldsCard
        title="Fields left as they are (changed since the job)"
        id="undo-left"
        tables={r}
        rows={left}
        headers={{ now: 'Now (left as it is)', other: 'The job wrote', why: 'Why' }}
        empty="Nobody changed a field the job wrote."
      />
      <Card title="Records deleted, deactivated or re-created">
        {records.length > 0 ? (
          <ul class="lines" id="undo-records">
            {records.map((x) => (
              <li>
                <span safe>{`${x.what} ${SIDE[x.side]} `}</span>
                <RecordLabel
                  side={x.side}
                  table={tableOf(r, x.side)}
                  id={x.recordId}
                  name={x.name}
                />
                {x.why ? <span safe>{`: ${x.why}`}</span> : ''}
              </li>
            ))}
          </ul>
        ) : (
          <p>None.</p>
        )}
      </Card>
      {r.dependents.length > 0 ? (
        <Card title="Records that refer to records it would delete">
          <ul class="lines" id="undo-dependents">
            {r.dependents.map((d) => (
              <li>
                <span safe>{`${d.mapping} ${SIDE[d.side]} `}</span>
                <RecordLabel side={d.side} table={d.table} id={d.recordId} name={d.name} />
                <span safe>
                  {`: ${d.field} → ${d.parentId}; ${d.createdBy ? `created by job ${d.createdBy}` : 'created by no job'}`}
                </span>
              </li>
            ))}
          </ul>
        </Card>
      ) : (
        ''
      )}
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
            {r.value.refusal ? (
              <ErrorBanner title="Not yet" message={r.value.refusal.message} />
            ) : isAdmin(view.user) ? (
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
