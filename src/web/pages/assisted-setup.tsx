import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DEFAULT_TENANT_ID } from '../../crm-emulator/server.ts';
import {
  enableConnection,
  saveConnection,
  testConnection,
} from '../../integration/connection-service.ts';
import { startFullSync } from '../../integration/full-sync/full-sync-service.ts';
import { startMappingRun } from '../../integration/mapping-runs.ts';
import { updateMapping } from '../../integration/mapping-service.ts';
import { unwrap } from '../../shared/errors.ts';
import { publicConnection } from '../../sync/connection/connection-repo.ts';
import { defaultMappings } from '../../sync/mappings/default-mappings.ts';
import { listMappings } from '../../sync/mappings/mapping-repo.ts';
import { WarningBanner } from '../components/banner.tsx';
import { Card } from '../components/card.tsx';
import { checkbox, many, parseInput } from '../form.ts';
import { Layout } from '../layout.tsx';
import { sendHtml, viewOf } from '../view.ts';
import type { WebDeps } from '../web-deps.ts';
import { SwitchFields, TestResult } from './connection-setup.tsx';

const ADMIN = { roles: ['admin'] as const };

const connectForm = z.object({
  crmUrl: z.url({ protocol: /^https?$/, error: 'Enter the Dynamics 365 Sales URL (https://…)' }),
  authorityUrl: z
    .union([z.literal(''), z.url({ protocol: /^https?$/, error: 'The authority must be a URL' })])
    .optional(),
  tenantId: z.string().trim().max(100).optional(),
  clientId: z.string().trim().min(1, 'Enter the client id').max(100),
  clientSecret: z.string().max(500).optional(),
});
const chooseForm = z.object({
  salesOrderIntegration: checkbox,
  autoCreateSalesOrders: checkbox,
  autoProcessQuotes: checkbox,
  unitGroupMapping: checkbox,
  ownershipModel: z.enum(['Person', 'Team']),
  mappings: many(z.string().min(1).max(30)),
});

const STEPS = ['Connect', 'Choose what to synchronize', 'Run full synchronization'];

function Steps(props: { current: number }) {
  return (
    <ol class="steps" aria-label="Steps">
      {STEPS.map((s, i) => (
        <li aria-current={i + 1 === props.current ? 'step' : undefined} safe>
          {`${i + 1}. ${s}`}
        </li>
      ))}
    </ol>
  );
}

/**
 * Assisted setup: connect to Dynamics 365 Sales (prefilled for the bundled emulator), test the
 * connection, choose the switches and the mappings to synchronize, enable, and finish with a full
 * synchronization whose progress shows live.
 */
export function registerAssistedSetupPage(web: FastifyInstance, deps: WebDeps): void {
  const { ctx, auth } = deps;
  const syncDeps = { db: ctx.db, config: ctx.config, logger: ctx.logger };
  web.get<{ Querystring: { step?: string } }>(
    '/setup/assisted',
    { config: ADMIN },
    async (request, reply) => {
      const view = viewOf(request, auth);
      const step = Math.min(3, Math.max(1, Number(request.query.step) || 1));
      const c = await publicConnection(ctx.db);
      const emulator = ctx.config.crmEmulator;
      const emulatorUrl = `http://${emulator.host}:${emulator.port}`;
      const crmUrl = c.crmUrl ?? (emulator.enabled ? emulatorUrl : '');
      const authority =
        c.authorityUrl ??
        (crmUrl === emulatorUrl ? `${emulatorUrl}/${c.tenantId ?? DEFAULT_TENANT_ID}` : '');
      const mappings = await listMappings(ctx.db);
      const names = mappings.length
        ? mappings.map((m) => ({ name: m.name, on: m.jobEnabled }))
        : defaultMappings(c).map((m) => ({ name: m.name, on: true }));
      return sendHtml(
        reply,
        <Layout view={view} title="Assisted setup of Dynamics 365 Sales">
          <Steps current={step} />
          {step === 1 ? (
            <Card title="1. Connect to Dynamics 365 Sales">
              <p class="hint">
                {emulator.enabled
                  ? 'Prefilled for the bundled CRM emulator. For a real organization, enter its URL and an app registration that is an application user there.'
                  : 'Enter the URL of your organization and an app registration that is an application user there.'}
              </p>
              <form class="stack wide" hx-post="/setup/assisted/connect" hx-target="#flash">
                <label for="crmUrl">Dynamics 365 Sales URL</label>
                <input id="crmUrl" name="crmUrl" required value={crmUrl} />
                <label for="authorityUrl">
                  Authority (sign-in) URL, empty for Microsoft Entra ID
                </label>
                <input id="authorityUrl" name="authorityUrl" value={authority} />
                <label for="tenantId">Tenant id</label>
                <input
                  id="tenantId"
                  name="tenantId"
                  value={c.tenantId ?? (crmUrl === emulatorUrl ? DEFAULT_TENANT_ID : '')}
                />
                <label for="clientId">Client id</label>
                <input
                  id="clientId"
                  name="clientId"
                  required
                  value={c.clientId ?? emulator.clientId ?? ''}
                />
                <label for="clientSecret">
                  {c.hasClientSecret
                    ? 'Client secret (leave empty to keep the stored one)'
                    : 'Client secret'}
                </label>
                <input
                  id="clientSecret"
                  name="clientSecret"
                  type="password"
                  autocomplete="new-password"
                />
                <button type="submit" class="primary">
                  Save and test the connection
                </button>
              </form>
            </Card>
          ) : step === 2 ? (
            <Card title="2. Choose what to synchronize">
              <form hx-post="/setup/assisted/choose" hx-target="#flash">
                <h3>Switches</h3>
                <SwitchFields c={c} editable={true} />
                <h3>Mappings to synchronize (their scheduled jobs)</h3>
                <ul class="choices">
                  {names.map((m, i) => (
                    <li>
                      <input
                        type="checkbox"
                        id={`m-${i}`}
                        name="mappings"
                        value={m.name}
                        checked={m.on}
                      />
                      <label for={`m-${i}`} safe>
                        {m.name}
                      </label>
                    </li>
                  ))}
                </ul>
                <button type="submit" class="primary">
                  Enable the integration and continue
                </button>
              </form>
              <p>
                <a href="/setup/assisted?step=1">← Back to the connection</a>
              </p>
            </Card>
          ) : (
            <Card title="3. Run full synchronization">
              <p>
                {c.enabled
                  ? 'The integration is enabled. A full synchronization synchronizes every record of the chosen mappings, coupled or not, one mapping after the other in dependency order (salespeople and currencies before customers, units before products). You can keep working meanwhile.'
                  : 'The integration is not enabled yet; go back one step.'}
              </p>
              {c.enabled ? (
                <button
                  type="button"
                  class="primary"
                  hx-post="/setup/assisted/run"
                  hx-target="#flash"
                >
                  Run full synchronization
                </button>
              ) : (
                ''
              )}
              <p>
                <a href="/setup/assisted?step=2">← Back to the choice</a>
              </p>
            </Card>
          )}
        </Layout>,
      );
    },
  );
  web.post('/setup/assisted/connect', { config: ADMIN }, async (request, reply) => {
    const input = parseInput(connectForm, request.body);
    const saved = unwrap(
      await saveConnection(syncDeps, {
        crmUrl: input.crmUrl,
        authorityUrl: input.authorityUrl ? input.authorityUrl : null,
        ...(input.tenantId ? { tenantId: input.tenantId } : {}),
        clientId: input.clientId,
        ...(input.clientSecret ? { clientSecret: input.clientSecret } : {}),
      }),
    );
    const test = unwrap(await testConnection(syncDeps));
    return sendHtml(
      reply,
      <>
        {saved.notice ? <WarningBanner message={saved.notice} /> : ''}
        <TestResult test={test} />
        {test.ok ? (
          <p>
            <a class="button primary" href="/setup/assisted?step=2">
              Continue: choose what to synchronize →
            </a>
          </p>
        ) : (
          ''
        )}
      </>,
    );
  });
  web.post('/setup/assisted/choose', { config: ADMIN }, async (request, reply) => {
    const { mappings: chosen, ...switches } = parseInput(chooseForm, request.body);
    unwrap(await saveConnection(syncDeps, switches));
    unwrap(await enableConnection(syncDeps));
    for (const m of await listMappings(ctx.db)) {
      // Freshly created defaults follow the choice made on the default list.
      const on = chosen.includes(m.name);
      if (m.jobEnabled !== on) unwrap(await updateMapping(ctx.db, m.name, { jobEnabled: on }));
    }
    reply.header('hx-redirect', '/setup/assisted?step=3');
    return reply.status(204).send();
  });
  web.post('/setup/assisted/run', { config: ADMIN }, async (_request, reply) => {
    // With workers (kobling start) the integration's full synchronization runs the lines; a
    // server without a job queue synchronizes the chosen mappings itself, one after another.
    if (ctx.boss) {
      unwrap(await startFullSync(syncDeps, ctx.boss));
      reply.header('hx-redirect', '/integration/full-sync');
      return reply.status(204).send();
    }
    const chosen = (await listMappings(ctx.db)).filter((m) => m.jobEnabled).map((m) => m.name);
    const run = await startMappingRun(syncDeps, chosen, {
      full: true,
      trigger: 'fullSynchronization',
      now: ctx.clock.now(),
    });
    reply.header('hx-redirect', `/runs/${run.id}`);
    return reply.status(204).send();
  });
}
