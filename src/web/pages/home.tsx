import type { FastifyInstance } from 'fastify';
import { crmHealth } from '../../integration/health/crm-health.ts';
import {
  integrationStatus,
  type NextStep,
  type StatusWarning,
} from '../../integration/status/mapping-status.ts';
import { plural } from '../../shared/plural.ts';
import { publicConnection } from '../../sync/connection/connection-repo.ts';
import { WarningBanner } from '../components/banner.tsx';
import { Card, Fields } from '../components/card.tsx';
import { Layout } from '../layout.tsx';
import { sendHtml, viewOf } from '../view.ts';
import type { WebDeps } from '../web-deps.ts';

/** A warning's next step as a link to the page that shows or fixes it. */
function StepLink(props: { step: NextStep }) {
  const name = encodeURIComponent(props.step.mapping);
  return props.step.kind === 'errors' ? (
    <a href={`/integration/log?mapping=${name}`} safe>{`the log of ${props.step.mapping}`}</a>
  ) : (
    <a href={`/integration/skipped?mapping=${name}`} safe>
      {`Retry on the skipped records of ${props.step.mapping}`}
    </a>
  );
}

/** The warnings, their next steps as links where `kobling status` says commands. */
function Warnings(props: { items: readonly StatusWarning[] }) {
  return (
    <ul class="lines">
      {props.items.map((w) => (
        <li>
          <span safe>{w.text}</span>
          {w.next.length > 0 ? (
            <>
              {' ('}
              {w.next.map((n, i) => (
                <>
                  {i > 0 ? '; ' : ''}
                  <StepLink step={n} />
                  {n.kind === 'skippedRetry' ? ' after the fix' : ''}
                </>
              ))}
              {')'}
            </>
          ) : (
            ''
          )}
        </li>
      ))}
    </ul>
  );
}

const CRM_STATE = { ok: 'Answers', failing: 'Does not answer', 'not enabled': '-' } as const;

/**
 * The start page: the connection's state and the synchronization's health at a glance, with the
 * same warnings and counts as `kobling status` (src/integration/status/mapping-status.ts).
 */
export function registerHomePage(web: FastifyInstance, { ctx, auth }: WebDeps): void {
  web.get('/', async (request, reply) => {
    const view = viewOf(request, auth);
    const connection = await publicConnection(ctx.db);
    const status = await integrationStatus(ctx.db, ctx.clock, await crmHealth({ ...ctx }));
    let failed = 0;
    let skipped = 0;
    for (const m of status.mappings) {
      failed += m.failedRecords;
      skipped += m.skippedRecords;
    }
    const crm = status.connection.crm;
    return sendHtml(
      reply,
      <Layout view={view} title="Overview">
        {status.warnings.length > 0 ? (
          <section aria-label="Warnings">
            <WarningBanner message={`${plural(status.warnings.length, 'warning')}:`}>
              <Warnings items={status.warningParts} />
            </WarningBanner>
          </section>
        ) : (
          <p>No warnings.</p>
        )}
        <div class="grid">
          <Card title="Dynamics 365 Sales connection">
            <Fields
              fields={[
                ['Status', connection.enabled ? 'Enabled' : 'Not enabled'],
                ['URL', connection.crmUrl],
                ['Dynamics 365 Sales', crm === 'not checked' ? '-' : CRM_STATE[crm]],
                ['Version', connection.crmVersion],
              ]}
            />
            <p>
              <a href="/setup/connection">Connection setup</a>
            </p>
          </Card>
          <Card title="Synchronization">
            <Fields
              fields={[
                ['Table mappings', status.mappings.length],
                ['Coupled records failing now', failed],
                ['Skipped records', skipped],
                ['Open record errors', status.openErrors],
              ]}
            />
            <p>
              Failing now and skipped: coupled records, as FAILED and SKIPPED in kobling status.
              Open record errors: errors not settled since by a coupling or a successful
              synchronization of the record (kobling errors; the synchronization log keeps them
              all).
            </p>
            <p>
              <a href="/integration/mappings">Table mappings</a>
              {' · '}
              <a href="/integration/log">Synchronization log</a>
              {' · '}
              <a href="/integration/skipped">Skipped records</a>
            </p>
          </Card>
          <Card title="Master data">
            <p>
              <a href="/customers">Customers</a>
              {' · '}
              <a href="/contacts">Contacts</a>
              {' · '}
              <a href="/items">Items</a>
              {' · '}
              <a href="/resources">Resources</a>
              {' · '}
              <a href="/salespeople">Salespeople</a>
              {' · '}
              <a href="/currencies">Currencies</a>
              {' · '}
              <a href="/units">Units of measure</a>
            </p>
          </Card>
        </div>
      </Layout>,
    );
  });
}
