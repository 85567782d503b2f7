import type { FastifyInstance } from 'fastify';
import { publicConnection } from '../../sync/connection/connection-repo.ts';
import { listMappings } from '../../sync/mappings/mapping-repo.ts';
import { mappingStats } from '../../sync/queries.ts';
import { Card, Fields } from '../components/card.tsx';
import { Layout } from '../layout.tsx';
import { sendHtml, viewOf } from '../view.ts';
import type { WebDeps } from '../web-deps.ts';

/** The start page: the connection's state and the synchronization's health at a glance. */
export function registerHomePage(web: FastifyInstance, { ctx, auth }: WebDeps): void {
  web.get('/', async (request, reply) => {
    const view = viewOf(request, auth);
    const connection = await publicConnection(ctx.db);
    const mappings = await listMappings(ctx.db);
    const stats = await mappingStats(ctx.db);
    let errors = 0;
    let skipped = 0;
    for (const s of stats.values()) {
      errors += s.errors;
      skipped += s.skipped;
    }
    return sendHtml(
      reply,
      <Layout view={view} title="Overview">
        <div class="grid">
          <Card title="Dynamics 365 Sales connection">
            <Fields
              fields={[
                ['Status', connection.enabled ? 'Enabled' : 'Not enabled'],
                ['URL', connection.crmUrl],
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
                ['Table mappings', mappings.length],
                ['Failed records (all jobs)', errors],
                ['Skipped records', skipped],
              ]}
            />
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
