import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  type ConnectionTest,
  disableConnection,
  enableConnection,
  saveConnection,
  testConnection,
} from '../../integration/connection-service.ts';
import type { OrganizationMove } from '../../integration/crm-organization.ts';
import { updateMapping } from '../../integration/mapping-service.ts';
import { getRecurringJob } from '../../integration/recurring-jobs.ts';
import { listScheduledJobs, updateJobSchedule } from '../../integration/scheduled-jobs.ts';
import { organizationWarnings } from '../../integration/status/mapping-status.ts';
import { unwrap } from '../../shared/errors.ts';
import { type ConnectionSetup, publicConnection } from '../../sync/connection/connection-repo.ts';
import { mappingName } from '../../sync/mappings/mapping-name.ts';
import { ActionBar } from '../components/action-bar.tsx';
import { ErrorBanner, Lines, SuccessBanner, WarningBanner } from '../components/banner.tsx';
import { Card, display, Fields } from '../components/card.tsx';
import { checkbox, parseInput } from '../form.ts';
import { Layout } from '../layout.tsx';
import { sendHtml, viewOf } from '../view.ts';
import { isAdmin } from '../web-auth.ts';
import type { WebDeps } from '../web-deps.ts';

const ADMIN = { roles: ['admin'] as const };

const switchesForm = z.object({
  salesOrderIntegration: checkbox,
  autoCreateSalesOrders: checkbox,
  autoProcessQuotes: checkbox,
  unitGroupMapping: checkbox,
  ownershipModel: z.enum(['Person', 'Team']),
});
const jobForm = z.object({
  mapping: mappingName,
  jobEnabled: checkbox,
  jobIntervalMinutes: z.coerce
    .number({ error: 'The interval must be a number of minutes' })
    .int('The interval must be whole minutes')
    .min(1, 'The interval must be at least 1 minute')
    .max(10080, 'The interval can be at most a week (10080 minutes)'),
});

/** The outcome of a connection test, problem by problem. */
export function TestResult(props: { test: ConnectionTest }) {
  const t = props.test;
  return t.ok ? (
    <SuccessBanner
      message={`The connection works: Dynamics 365 Sales ${t.version ?? ''} answered and the integration user was found.`}
    />
  ) : (
    <>
      <ErrorBanner title="The connection test found problems" message={t.problems.join(' · ')} />
      {t.detail ? (
        <details class="test-detail">
          <summary>What the server said</summary>
          <pre safe>{t.detail}</pre>
        </details>
      ) : (
        ''
      )}
    </>
  );
}

/**
 * What the last move to another Dynamics 365 organization did, kept on the page (the answer to
 * the save that moved it is gone by the time an admin looks): what was set aside, what came back,
 * and the way to the full synchronization review while a new organization still needs it.
 */
function OrganizationMoveNotice(props: { move: OrganizationMove | null }) {
  const m = props.move;
  if (!m) return '';
  return (
    <section class="organization-move" aria-label="Organization change">
      <WarningBanner message={`Moved to another organization on ${m.at}. ${m.notice}`}>
        {m.returned ? (
          ''
        ) : (
          <a href="/integration/full-sync">Open the full synchronization review</a>
        )}
      </WarningBanner>
    </section>
  );
}

/** The CRM switches (sales order integration, automatic processing, unit groups, ownership). */
export function SwitchFields(props: { c: ConnectionSetup; editable: boolean }) {
  const { c } = props;
  const box = (name: keyof ConnectionSetup, label: string) => (
    <>
      <label for={`sw-${name}`} safe>
        {label}
      </label>
      <input
        type="checkbox"
        id={`sw-${name}`}
        name={name}
        checked={c[name] === true}
        disabled={!props.editable}
      />
    </>
  );
  return (
    <div class="switches">
      {box('salesOrderIntegration', 'Sales order integration')}
      {box('autoCreateSalesOrders', 'Automatically create sales orders')}
      {box('autoProcessQuotes', 'Automatically process sales quotes')}
      {box('unitGroupMapping', 'Unit group mapping')}
      <label for="sw-ownershipModel">Ownership model</label>
      <select id="sw-ownershipModel" name="ownershipModel" disabled={!props.editable}>
        <option value="Person" selected={c.ownershipModel === 'Person'}>
          Person
        </option>
        <option value="Team" selected={c.ownershipModel === 'Team'}>
          Team
        </option>
      </select>
    </div>
  );
}

async function JobsTable(props: { deps: WebDeps; editable: boolean }) {
  const jobs = await listScheduledJobs(props.deps.ctx.db, props.deps.ctx.clock.now());
  return (
    <table id="scheduled-jobs">
      <caption class="visually-hidden">Scheduled synchronization jobs</caption>
      <thead>
        <tr>
          <th scope="col">Mapping</th>
          <th scope="col">On</th>
          <th scope="col">Every (minutes)</th>
          <th scope="col">Last run</th>
          <th scope="col">Next run</th>
          <th scope="col">Last error</th>
          {props.editable ? <th scope="col">Change</th> : ''}
        </tr>
      </thead>
      <tbody>
        {jobs.map((j, i) => {
          const form = `job-${i}`;
          return (
            <tr>
              <td safe>{j.mapping}</td>
              <td>
                <input
                  type="checkbox"
                  name="jobEnabled"
                  form={form}
                  checked={j.enabled}
                  disabled={!props.editable}
                  aria-label={`Scheduled job of ${j.mapping} on`}
                />
              </td>
              <td>
                <input
                  type="number"
                  name="jobIntervalMinutes"
                  form={form}
                  min="1"
                  max="10080"
                  value={String(j.intervalMinutes)}
                  disabled={!props.editable}
                  aria-label={`Interval of ${j.mapping} in minutes`}
                  class="narrow"
                />
              </td>
              <td safe>{display(j.lastRunAt)}</td>
              <td safe>{display(j.nextRunAt)}</td>
              <td safe>{j.lastError ?? ''}</td>
              {props.editable ? (
                <td>
                  <form id={form} hx-post="/setup/connection/job" hx-target="#flash">
                    <input type="hidden" name="mapping" value={j.mapping} />
                    <button type="submit" aria-label={`Save the job of ${j.mapping}`}>
                      Save
                    </button>
                  </form>
                </td>
              ) : (
                ''
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Connection setup: the connection, its test, enable/disable, the switches and scheduled jobs. */
export function registerConnectionSetupPage(web: FastifyInstance, deps: WebDeps): void {
  const { ctx, auth } = deps;
  const syncDeps = { db: ctx.db, config: ctx.config, logger: ctx.logger };
  web.get('/setup/connection', async (request, reply) => {
    const view = viewOf(request, auth);
    const admin = isAdmin(view.user);
    const c = await publicConnection(ctx.db);
    const lastTest = c.lastTest as ConnectionTest | null;
    return sendHtml(
      reply,
      <Layout view={view} title="Dynamics 365 Sales connection setup">
        <div class="grid">
          <Card title="Connection">
            <Fields
              fields={[
                ['Status', c.enabled ? 'Enabled' : 'Not enabled'],
                ['Dynamics 365 Sales URL', c.crmUrl],
                ['Tenant', c.tenantId],
                ['Client id', c.clientId],
                ['Client secret', c.hasClientSecret ? 'Stored (encrypted)' : 'Not set'],
                ['Organization', c.crmOrganizationId],
                ['Version', c.crmVersion],
                ['Integration user', c.integrationUserId],
                [
                  'Last test',
                  lastTest
                    ? `${lastTest.ok ? 'passed' : 'failed'} ${lastTest.testedAt}`
                    : 'Not tested since the address or credentials were last set',
                ],
              ]}
            />
            {lastTest && !lastTest.ok ? <Lines items={lastTest.problems} /> : ''}
            <OrganizationMoveNotice move={c.crmOrganizationMove as OrganizationMove | null} />
            {organizationWarnings(c).map((w) => (
              <WarningBanner message={w} />
            ))}
            {admin ? (
              <ActionBar label="Connection actions">
                <button type="button" hx-post="/setup/connection/test" hx-target="#flash">
                  Test connection
                </button>
                {c.enabled ? (
                  <button
                    type="button"
                    class="danger"
                    hx-post="/setup/connection/disable"
                    hx-target="#flash"
                    hx-confirm="Disable the integration? Scheduled synchronization stops."
                  >
                    Disable
                  </button>
                ) : (
                  <button type="button" hx-post="/setup/connection/enable" hx-target="#flash">
                    Enable
                  </button>
                )}
                <a href="/setup/assisted">Change the connection in the assisted setup</a>
              </ActionBar>
            ) : (
              ''
            )}
          </Card>
          <Card title="Switches">
            <form hx-post={admin ? '/setup/connection/switches' : undefined} hx-target="#flash">
              <SwitchFields c={c} editable={admin} />
              {admin ? (
                <p>
                  <button type="submit">Save switches</button>
                </p>
              ) : (
                ''
              )}
            </form>
          </Card>
        </div>
        <Card title="Scheduled jobs">
          <div
            hx-get="/setup/connection"
            hx-trigger="list-changed from:body"
            hx-select="#scheduled-jobs"
            hx-target="#scheduled-jobs"
            hx-swap="outerHTML"
            hx-disinherit="*"
          >
            <JobsTable deps={deps} editable={admin} />
          </div>
        </Card>
      </Layout>,
    );
  });
  web.post('/setup/connection/test', { config: ADMIN }, async (_request, reply) => {
    const test = unwrap(await testConnection(syncDeps));
    return sendHtml(reply, <TestResult test={test} />);
  });
  web.post('/setup/connection/enable', { config: ADMIN }, async (_request, reply) => {
    const r = unwrap(await enableConnection(syncDeps));
    reply.header('hx-refresh', 'true');
    return sendHtml(
      reply,
      <SuccessBanner
        message={`The integration is enabled.${r.createdMappings ? ` ${r.createdMappings} default mappings were created.` : ''}`}
      />,
    );
  });
  web.post('/setup/connection/disable', { config: ADMIN }, async (_request, reply) => {
    await disableConnection(syncDeps);
    reply.header('hx-refresh', 'true');
    return sendHtml(
      reply,
      <SuccessBanner message="The integration is disabled; scheduled runs stop." />,
    );
  });
  web.post('/setup/connection/switches', { config: ADMIN }, async (request, reply) => {
    const input = parseInput(switchesForm, request.body);
    unwrap(await saveConnection(syncDeps, input));
    return sendHtml(reply, <SuccessBanner message="The switches are saved." />);
  });
  web.post('/setup/connection/job', { config: ADMIN }, async (request, reply) => {
    const input = parseInput(jobForm, request.body);
    if (await getRecurringJob(ctx.db, input.mapping)) {
      const job = await updateJobSchedule(
        ctx.db,
        input.mapping,
        { enabled: input.jobEnabled, intervalMinutes: input.jobIntervalMinutes },
        ctx.clock.now(),
      );
      reply.header('hx-trigger', 'list-changed');
      return sendHtml(
        reply,
        <SuccessBanner
          message={`The job ${input.mapping} is ${job?.enabled ? `on, every ${job.intervalMinutes} minutes` : 'off'}.`}
        />,
      );
    }
    const m = unwrap(
      await updateMapping(ctx.db, input.mapping, {
        jobEnabled: input.jobEnabled,
        jobIntervalMinutes: input.jobIntervalMinutes,
      }),
    );
    reply.header('hx-trigger', 'list-changed');
    return sendHtml(
      reply,
      <SuccessBanner
        message={`The job of ${m.name} is ${m.jobEnabled ? `on, every ${m.jobIntervalMinutes} minutes` : 'off'}.`}
      />,
    );
  });
}
