import type { Children } from '@kitajs/html';
import { MASTER_LISTS } from './pages/master-data-lists.ts';
import type { View } from './view.ts';

/** htmx swaps error answers too (they carry a readable banner), and never evaluates scripts it loads. */
const HTMX_CONFIG = JSON.stringify({
  responseHandling: [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '[45]..', swap: true, error: true },
  ],
  allowEval: false,
  includeIndicatorStyles: false,
  historyCacheSize: 0,
});

interface NavEntry {
  readonly href: string;
  readonly label: string;
  readonly admin?: boolean;
}

/** The navigation, grouped as an administrator and an order processor think of the work. */
export const NAVIGATION: readonly {
  title: string;
  crm?: boolean;
  entries: readonly NavEntry[];
}[] = [
  {
    title: 'Setup',
    entries: [
      { href: '/setup/assisted', label: 'Assisted setup', admin: true },
      { href: '/setup/connection', label: 'Connection setup' },
    ],
  },
  {
    title: 'Master data',
    // One entry per master data list, in the lists' order.
    entries: MASTER_LISTS.map((l) => ({ href: `/${l.path}`, label: l.title })),
  },
  {
    title: 'Integration',
    entries: [
      { href: '/integration/mappings', label: 'Table mappings' },
      { href: '/integration/full-sync', label: 'Full synchronization' },
      { href: '/integration/log', label: 'Synchronization log' },
      { href: '/integration/skipped', label: 'Skipped records' },
      { href: '/integration/conflicts', label: 'Conflicts' },
    ],
  },
  {
    title: 'Sales',
    entries: [
      { href: '/sales/crm-orders', label: 'Orders from Dynamics 365' },
      { href: '/sales/crm-quotes', label: 'Quotes from Dynamics 365' },
      { href: '/sales/quotes', label: 'Sales quotes' },
      { href: '/sales/orders', label: 'Sales orders' },
      { href: '/sales/draft-invoices', label: 'Sales invoices (unposted)' },
      { href: '/sales/invoices', label: 'Posted invoices' },
      { href: '/sales/credit-memos', label: 'Credit memos' },
      { href: '/sales/payments', label: 'Payments' },
      { href: '/sales/archives/quotes', label: 'Archived versions' },
      { href: '/sales/setup', label: 'Sales setup' },
    ],
  },
  {
    title: 'Dynamics 365 Sales',
    crm: true,
    entries: [
      { href: '/crm/accounts', label: 'Accounts' },
      { href: '/crm/orders', label: 'Orders' },
      { href: '/crm/quotes', label: 'Quotes' },
      { href: '/crm/invoices', label: 'Invoices' },
    ],
  },
];

function Navigation({ view }: { view: View }) {
  const admin = view.user?.role === 'admin';
  return (
    <nav class="side" aria-label="Main">
      {NAVIGATION.filter((g) => !g.crm || view.crmView).map((group) => (
        <section>
          <h2 safe>{group.title}</h2>
          <ul>
            {group.entries
              .filter((e) => admin || !e.admin)
              .map((e) => (
                <li>
                  <a
                    href={e.href}
                    aria-current={
                      view.path === e.href || view.path.startsWith(`${e.href}/`)
                        ? 'page'
                        : undefined
                    }
                    safe
                  >
                    {e.label}
                  </a>
                </li>
              ))}
          </ul>
        </section>
      ))}
    </nav>
  );
}

const ROLE_LABEL: Record<string, string> = {
  admin: 'Administrator',
  orderProcessor: 'Order processor',
  readOnly: 'Read only',
};

/** The page frame: header with the user, navigation, a message area and the content. */
export function Layout(props: {
  view: View;
  title: string;
  /** A message shown in the message area on arrival (the outcome of the action that led here). */
  flash?: Children;
  children?: Children;
}) {
  const { view } = props;
  return (
    <>
      {'<!doctype html>'}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="htmx-config" content={HTMX_CONFIG} />
          <title safe>{`${props.title} · Kobling`}</title>
          <link rel="icon" href="/ui/favicon.svg" type="image/svg+xml" />
          <link rel="stylesheet" href="/ui/app.css" />
          <script src="/ui/htmx.min.js" defer></script>
          <script src="/ui/app.js" defer></script>
        </head>
        <body hx-headers={view.csrf ? JSON.stringify({ 'X-CSRF-Token': view.csrf }) : undefined}>
          <a class="skip" href="#main">
            Skip to content
          </a>
          <header class="top">
            <a class="brand" href="/">
              Kobling
            </a>
            <span class="tagline">ERP ⇄ Dynamics 365 Sales</span>
            {view.user ? (
              <form class="user" method="post" action="/logout">
                <input type="hidden" name="_csrf" value={view.csrf} />
                <span safe>{view.user.displayName || view.user.username}</span>
                <span class="role" safe>
                  {ROLE_LABEL[view.user.role] ?? view.user.role}
                </span>
                <button type="submit" class="link">
                  Log out
                </button>
              </form>
            ) : (
              ''
            )}
          </header>
          <div class="frame">
            {view.user ? <Navigation view={view} /> : ''}
            <main id="main" tabindex="-1">
              <h1 safe>{props.title}</h1>
              <div id="flash" role="status" aria-live="polite">
                {props.flash ?? ''}
              </div>
              {props.children}
            </main>
          </div>
        </body>
      </html>
    </>
  );
}
