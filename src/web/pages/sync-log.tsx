import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  type Labeled,
  type LabeledError,
  labeledJobErrors,
  type RecordPair,
  withErpRecordLabels,
} from '../../integration/error-labels.ts';
import { jobWrites } from '../../integration/job-writes.ts';
import { checkEmptyListFilter } from '../../integration/keyset-list.ts';
import { retrySkipped } from '../../integration/skipped-service.ts';
import { openEngine } from '../../integration/sync-runtime.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import { agree, plural } from '../../shared/plural.ts';
import { restoreSkipped } from '../../sync/couplings/coupling-repo.ts';
import { type CouplingView, type JobView, listCouplings, listJobs } from '../../sync/queries.ts';
import { recordKind } from '../../sync/record-names.ts';
import { ActionBar } from '../components/action-bar.tsx';
import { ErrorBanner, SuccessBanner, WarningBanner } from '../components/banner.tsx';
import { Card, Fields } from '../components/card.tsx';
import { type Column, DataList, Filters, SearchInput, StaticList } from '../components/list.tsx';
import { many, mappingFilter, parseInput } from '../form.ts';
import { Layout } from '../layout.tsx';
import { sendHtml, viewOf } from '../view.ts';
import { canWrite } from '../web-auth.ts';
import type { WebDeps } from '../web-deps.ts';
import { JobWritesCard } from './job-writes.tsx';

const PAGE = 50;
/** Writes of a job shown on its page (the API pages through all of them). */
const WRITES = 100;
const query = z.object({
  mapping: mappingFilter,
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});
const idsForm = z.object({ ids: many(z.guid()).pipe(z.array(z.guid()).max(1000)) });
const PASS = {
  ToIntegrationTable: 'To Dynamics 365 Sales',
  FromIntegrationTable: 'From Dynamics 365 Sales',
} as Record<string, string>;

const JOB_COLUMNS: Column<JobView>[] = [
  {
    header: 'Started',
    html: (j) => (
      <a href={`/integration/log/${j.id}`} safe>
        {j.startedAt.toISOString().replace('T', ' ').slice(0, 19)}
      </a>
    ),
  },
  { header: 'Mapping', value: (j) => j.mapping },
  { header: 'Direction', value: (j) => PASS[j.direction] ?? j.direction },
  { header: 'Started by', value: (j) => j.trigger },
  { header: 'Status', value: (j) => j.status },
  { header: 'Inserted', value: (j) => j.inserted, numeric: true },
  { header: 'Modified', value: (j) => j.modified, numeric: true },
  { header: 'Unchanged', value: (j) => j.unchanged, numeric: true },
  { header: 'Coupled', value: (j) => j.coupled, numeric: true },
  { header: 'Deleted', value: (j) => j.deleted, numeric: true },
  { header: 'Skipped', value: (j) => j.skipped, numeric: true },
  { header: 'Failed', value: (j) => j.failed, numeric: true },
];

// As users know it (`Customer C10000 Adatum AS`) when it can be read, else by table and id.
const erpRecord = (r: Labeled<{ erpTable: string; erpId: string | null }>) =>
  r.erpRecordLabel
    ? `${recordKind('erp', r.erpTable)} ${r.erpRecordLabel}`
    : r.erpId
      ? `${r.erpTable} ${r.erpId}`
      : '';

// A record whose create failed is not there: the id it will get would lead nowhere.
const PAIR_COLUMNS: Column<RecordPair>[] = [
  {
    header: 'ERP record',
    value: (e) => (e.notCreated === 'erp' ? `${e.erpTable} (not created)` : erpRecord(e)),
  },
  {
    header: 'Dynamics 365 Sales record',
    value: (e) =>
      e.notCreated === 'crm'
        ? `${e.crmEntity} (not created)`
        : e.crmId
          ? `${e.crmEntity} ${e.crmId}`
          : '',
  },
];

const ERROR_COLUMNS: Column<LabeledError>[] = [
  { header: 'When', value: (e) => e.createdAt },
  { header: 'Direction', value: (e) => PASS[e.direction] ?? e.direction },
  ...PAIR_COLUMNS,
  { header: 'Message', value: (e) => e.message },
];

const SKIPPED_COLUMNS: Column<Labeled<CouplingView>>[] = [
  { header: 'Mapping', value: (c) => c.mapping },
  ...PAIR_COLUMNS,
  { header: 'Last error', value: (c) => c.lastErrorToCrm ?? c.lastErrorToErp },
  { header: 'Since', value: (c) => c.updatedAt },
];

function MappingFilter(props: { id: string; url: string; mapping?: string }) {
  return (
    <Filters id={props.id} url={props.url}>
      <SearchInput
        name="mapping"
        label="Mapping"
        value={props.mapping}
        placeholder="e.g. CUSTOMER"
      />
    </Filters>
  );
}

/** The synchronization log (jobs with counters, a job's errors) and skipped records with Retry/Restore. */
export function registerSyncLogPages(web: FastifyInstance, { ctx, auth }: WebDeps): void {
  web.get('/integration/log', async (request, reply) => {
    const view = viewOf(request, auth);
    const q = parseInput(query, request.query);
    const mapping = q.mapping;
    // One row more than a page tells whether there is a next page without counting the log.
    const jobs = await listJobs(ctx.db, { mapping, top: PAGE + 1, skip: (q.page - 1) * PAGE });
    // An unknown mapping is a 404 naming the one meant, not "No synchronization has run yet".
    if (jobs.length === 0) await checkEmptyListFilter(ctx.db, { mapping });
    const total = (q.page - 1) * PAGE + jobs.length;
    return sendHtml(
      reply,
      <Layout view={view} title="Synchronization log">
        <MappingFilter id="jobs" url="/integration/log" mapping={mapping} />
        <DataList
          id="jobs"
          url="/integration/log"
          caption="Synchronization jobs"
          query={{ mapping }}
          columns={JOB_COLUMNS}
          page={{ rows: jobs.slice(0, PAGE), total, page: q.page, pageSize: PAGE }}
          empty="No synchronization has run yet."
        />
      </Layout>,
    );
  });
  web.get<{ Params: { id: string } }>('/integration/log/:id', async (request, reply) => {
    const view = viewOf(request, auth);
    const id = parseInput(z.guid('That is not a job id'), request.params.id);
    const [job] = await listJobs(ctx.db, { id, top: 1, skip: 0 });
    if (!job) throw new AppError('not_found', `No synchronization job ${id}`);
    const errors = await labeledJobErrors(ctx.db, id);
    const writes = await jobWrites(ctx, job, { top: WRITES, skip: 0 });
    return sendHtml(
      reply,
      <Layout view={view} title={`Synchronization job · ${job.mapping}`}>
        <p>
          <a href={`/integration/log?mapping=${encodeURIComponent(job.mapping)}`}>
            ← Synchronization log
          </a>
          {job.undoOf ? (
            <>
              {' · '}
              <a href={`/integration/log/${job.undoOf}`}>The job this undid</a>
            </>
          ) : (
            ''
          )}
          {job.undoneBy ? (
            <>
              {' · '}
              <a href={`/integration/log/${job.undoneBy}`} safe>
                Undone by job {job.undoneBy}
              </a>
            </>
          ) : (
            ''
          )}
          {job.status !== 'running' && !job.undoneBy && canWrite(view.user) ? (
            <>
              {' · '}
              <a href={`/integration/log/${job.id}/undo`}>Undo this job…</a>
            </>
          ) : (
            ''
          )}
        </p>
        <Card title="Job">
          <Fields
            fields={[
              ['Mapping', job.mapping],
              ['Direction', PASS[job.direction] ?? job.direction],
              ['Started by', job.trigger],
              ['Status', job.status],
              ['Started', job.startedAt],
              ['Finished', job.finishedAt],
              ['Message', job.message],
              ['Dynamics 365 organization', job.crmOrganizationId],
              ['Inserted', job.inserted],
              ['Modified', job.modified],
              ['Unchanged', job.unchanged],
              ['Coupled', job.coupled],
              ['Skipped', job.skipped],
              ['Failed', job.failed],
            ]}
          />
        </Card>
        <JobWritesCard total={writes.total} writes={writes.value} />
        <Card title="Errors">
          <StaticList
            id="errors"
            caption="Errors of the job"
            columns={ERROR_COLUMNS}
            rows={errors}
            empty="No record failed in this job."
          />
        </Card>
      </Layout>,
    );
  });
  web.get('/integration/skipped', async (request, reply) => {
    const view = viewOf(request, auth);
    const q = parseInput(query, request.query);
    const mapping = q.mapping;
    const rows = await withErpRecordLabels(
      ctx.db,
      await listCouplings(ctx.db, {
        mapping,
        skipped: true,
        top: PAGE + 1,
        skip: (q.page - 1) * PAGE,
      }),
    );
    if (rows.length === 0) await checkEmptyListFilter(ctx.db, { mapping });
    const writable = canWrite(view.user);
    return sendHtml(
      reply,
      <Layout view={view} title="Skipped records">
        <p class="hint">
          A record is skipped after it failed twice with the same error; scheduled runs leave it
          alone until it is restored.
        </p>
        <MappingFilter id="skipped" url="/integration/skipped" mapping={mapping} />
        <DataList
          id="skipped"
          url="/integration/skipped"
          caption="Skipped records"
          query={{ mapping }}
          columns={SKIPPED_COLUMNS}
          page={{
            rows: rows.slice(0, PAGE),
            total: (q.page - 1) * PAGE + rows.length,
            page: q.page,
            pageSize: PAGE,
          }}
          select={writable ? (c) => c.id : undefined}
          empty="No skipped records."
          actions={
            writable ? (
              <ActionBar label="Actions on the selected records">
                <button
                  type="button"
                  hx-post="/integration/skipped/retry"
                  hx-include="#skipped-selection"
                  hx-target="#flash"
                >
                  Retry
                </button>
                <button
                  type="button"
                  hx-post="/integration/skipped/restore"
                  hx-include="#skipped-selection"
                  hx-target="#flash"
                >
                  Restore
                </button>
              </ActionBar>
            ) : undefined
          }
        />
      </Layout>,
    );
  });
  const selected = (body: unknown) => {
    const ids = parseInput(idsForm, body).ids;
    if (ids.length === 0)
      throw new AppError('validation_failed', 'Select one or more records first');
    return ids;
  };
  web.post('/integration/skipped/restore', async (request, reply) => {
    const n = await restoreSkipped(ctx.db, selected(request.body));
    reply.header('hx-trigger', 'list-changed');
    return sendHtml(
      reply,
      n > 0 ? (
        <SuccessBanner
          message={`${plural(n, 'record')} restored; the next scheduled run synchronizes ${agree(n, 'it', 'them')}.`}
        />
      ) : (
        <WarningBanner message="None of the selected records was skipped; nothing changed." />
      ),
    );
  });
  web.post('/integration/skipped/retry', async (request, reply) => {
    const ids = selected(request.body);
    const engine = await openEngine({ db: ctx.db, config: ctx.config, logger: ctx.logger });
    if (!engine.ok) throw AppError.from(engine.error);
    const r = unwrap(await retrySkipped(ctx.db, engine.value, ids));
    const records = r.results.flatMap((x) => x.records);
    // Synchronized except fields both sides changed: those wait in the conflict inbox, not failing.
    const failed = records.filter(
      (x) => x.outcome !== 'synchronized' && x.outcome !== 'heldInInbox',
    );
    reply.header('hx-trigger', 'list-changed');
    return sendHtml(
      reply,
      <>
        <SuccessBanner
          message={`${plural(r.restored, 'record')} restored, ${records.length - failed.length} synchronized.`}
        />
        {failed.length > 0 ? (
          <ErrorBanner
            title={`${failed.length} still failing`}
            message={failed.map((f) => f.message ?? f.outcome).join(' · ')}
          />
        ) : (
          ''
        )}
      </>,
    );
  });
}
