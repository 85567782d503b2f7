import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { AppError } from '../shared/errors.ts';
import { csrfTokenFor, tokensMatch } from './csrf.ts';
import { webErrorHandler } from './errors.tsx';
import { parseForm } from './form.ts';
import { registerAssistedSetupPage } from './pages/assisted-setup.tsx';
import { registerConflictPages } from './pages/conflicts.tsx';
import { registerConnectionSetupPage } from './pages/connection-setup.tsx';
import { registerCrmCards } from './pages/crm-cards.tsx';
import { crmViewAvailable } from './pages/crm-client.ts';
import { registerCrmPickupPages } from './pages/crm-pickup.tsx';
import { registerCrmLists } from './pages/crm-view.tsx';
import { registerFullSyncPage } from './pages/full-sync.tsx';
import { registerHomePage } from './pages/home.tsx';
import { registerInvoiceCreditMemoPages } from './pages/invoices-credit-memos.tsx';
import { registerJobUndoPages } from './pages/job-undo.tsx';
import { registerLoginPages } from './pages/login.tsx';
import { registerMappingPages } from './pages/mappings.tsx';
import { registerMasterDataPages } from './pages/master-data.tsx';
import { registerPostedInvoicesPage } from './pages/posted-invoices.tsx';
import { registerRunProgressPages } from './pages/run-progress.tsx';
import { registerSalesDocumentPages } from './pages/sales-documents.tsx';
import { registerSalesLedgerPages } from './pages/sales-ledger.tsx';
import { registerSyncLogPages } from './pages/sync-log.tsx';
import { registerSyncPreviewPage } from './pages/sync-preview.tsx';
import { noteCrmView } from './view.ts';
import type { WebAuth } from './web-auth.ts';
import type { WebDeps } from './web-deps.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Files the pages load, served by us (no CDN): htmx, our script and our stylesheet. */
const ASSETS: Record<string, { file: string; type: string }> = {
  'htmx.min.js': {
    file: require.resolve('htmx.org/dist/htmx.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'app.js': { file: path.join(here, 'static/app.js'), type: 'text/javascript; charset=utf-8' },
  'app.css': { file: path.join(here, 'static/app.css'), type: 'text/css; charset=utf-8' },
  'favicon.svg': { file: path.join(here, 'static/favicon.svg'), type: 'image/svg+xml' },
};

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Page modules; each registers its routes. */
const PAGES: readonly ((web: FastifyInstance, deps: WebDeps) => void)[] = [
  registerLoginPages,
  registerHomePage,
  registerMasterDataPages,
  registerConnectionSetupPage,
  registerAssistedSetupPage,
  registerRunProgressPages,
  registerSalesDocumentPages,
  registerSalesLedgerPages,
  registerInvoiceCreditMemoPages,
  registerPostedInvoicesPage,
  registerMappingPages,
  registerSyncLogPages,
  registerJobUndoPages,
  registerConflictPages,
  registerSyncPreviewPage,
  registerFullSyncPage,
  registerCrmPickupPages,
  registerCrmLists,
  registerCrmCards,
];

/**
 * The web UI: server-rendered pages behind the API's login (same session cookie), htmx for actions,
 * CSRF tokens on every change. Pages call the same services as the API.
 */
export async function registerWebUi(
  app: FastifyInstance,
  ctx: AppContext,
  auth: WebAuth,
): Promise<void> {
  await app.register(async (web) => {
    web.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 1024 * 1024 },
      (_request, body, done) => done(null, parseForm(String(body))),
    );
    web.setErrorHandler(webErrorHandler(auth));
    // Pages are not part of the API description.
    web.addHook('onRoute', (route) => {
      route.schema = { ...(route.schema ?? {}), hide: true };
    });
    // Forms and htmx requests that change something must carry the session's CSRF token.
    web.addHook('preHandler', async (request) => {
      if (!UNSAFE.has(request.method) || request.routeOptions.config?.public) return;
      const session = request.cookies?.[auth.sessionCookie];
      const sent =
        request.headers['x-csrf-token'] ?? (request.body as Record<string, unknown>)?.['_csrf'];
      if (!session || !tokensMatch(sent, csrfTokenFor(session))) {
        throw new AppError(
          'forbidden',
          'The form has expired or did not come from this site; reload the page and try again',
        );
      }
    });
    const assets = new Map(
      Object.entries(ASSETS).map(([name, a]) => [name, { ...a, body: readFileSync(a.file) }]),
    );
    const sendAsset = (reply: FastifyReply, name: string) => {
      const asset = assets.get(name);
      if (!asset) throw new AppError('not_found', `No file ${name}`);
      return reply
        .header('content-type', asset.type)
        .header('cache-control', 'public, max-age=300')
        .send(asset.body);
    };
    web.get<{ Params: { name: string } }>(
      '/ui/:name',
      { config: { public: true } },
      async (request, reply) => sendAsset(reply, request.params.name),
    );
    // Browsers ask for /favicon.ico whatever the page links; an SVG answers it (Chromium and
    // Firefox read it by its content type).
    web.get('/favicon.ico', { config: { public: true } }, async (_request, reply) =>
      sendAsset(reply, 'favicon.svg'),
    );
    const deps: WebDeps = { ctx, auth };
    // Whether to offer the Dynamics 365 Sales pages, for the navigation of full pages.
    web.addHook('preHandler', async (request) => {
      if (request.method === 'GET' && auth.userOf(request) && !request.headers['hx-request'])
        noteCrmView(request, await crmViewAvailable(deps));
    });
    for (const register of PAGES) register(web, deps);
  });
}
