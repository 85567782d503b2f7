import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coupleDemoData } from '../../src/integration/demo-coupling.ts';
import { spawnKobling } from '../helpers/cli.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { startUiFixture } from '../web/ui-fixture.ts';

/**
 * The exit messages of the commands that act on records, run as users run them (a `kobling`
 * process) on the demo data as the first start couples it: the first line printed and the exit
 * code say what happened — done, nothing to do, a bad id (refused like the API refuses it, exit 2,
 * nothing sent), or some failed (exit 1) — never "done" for nothing or one reason for all.
 */
const t = useFixture(
  () => startUiFixture(),
  async (ui) => {
    const coupled = await coupleDemoData(ui.fx.ctx);
    assert.equal(coupled.failed, 0, coupled.lines.join('\n'));
  },
);

const SUBMITTED = { statecode: 1, statuscode: 3 };
const ACTIVE_QUOTE = { statecode: 1, statuscode: 2 };
const UNKNOWN_GUID = '0f0e0d0c-0b0a-4908-8706-050403020100';

async function kobling(...args: string[]) {
  const p = spawnKobling(args, {
    DATABASE_URL: t.db.url,
    KOBLING_SECRET_KEY: 'w'.repeat(40),
  });
  const code = await p.exited();
  const out = p.output();
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  return { code, out, first: lines[0] ?? '', last: lines.at(-1) ?? '' };
}

const one = async <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  (await t.db.query<T>(sql, params)).rows[0]!;

/** The CRM id of a coupled ERP record of a mapping. */
const crmIdOf = async (mapping: string, erpId: string) =>
  (
    await one<{ crm_id: string }>(
      `SELECT crm_id FROM integration.couplings
        WHERE mapping_name = $1 AND erp_id = $2 AND state = 'coupled'`,
      [mapping, erpId],
    )
  ).crm_id;

/** A customer coupled to an account, and one the first start left ERP-only (not blocked). */
async function customers() {
  const coupled = await one<{ id: string; number: string }>(
    `SELECT id, number FROM erp.customers k
      WHERE EXISTS (SELECT 1 FROM integration.couplings c WHERE c.erp_id = k.id AND c.mapping_name = 'CUSTOMER')
      ORDER BY number LIMIT 1`,
  );
  const uncoupled = await one<{ number: string }>(
    `SELECT number FROM erp.customers k
      WHERE btrim(blocked) = ''
        AND NOT EXISTS (SELECT 1 FROM integration.couplings c WHERE c.erp_id = k.id)
      ORDER BY number LIMIT 1`,
  );
  return { coupled, uncoupled: uncoupled.number };
}

/** A CRM document written by the salesperson with one catalogue line, then put in `state`. */
async function crmDocument(kind: 'salesorder' | 'quote', name: string) {
  const { coupled } = await customers();
  const account = await crmIdOf('CUSTOMER', coupled.id);
  const item = await one<{ id: string }>('SELECT id FROM erp.items ORDER BY number LIMIT 1');
  const product = await crmIdOf('ITEM-PRODUCT', item.id);
  const user = t.fx.user;
  const set = kind === 'salesorder' ? 'salesorders' : 'quotes';
  const made = await user.create(set, {
    name,
    'customerid_account@odata.bind': `/accounts(${account})`,
    ...(kind === 'quote' ? { effectiveto: '2026-12-31' } : {}),
  });
  assert.ok(made.ok, made.ok ? '' : made.error.message);
  const id = made.value.id;
  const line = await user.create(kind === 'salesorder' ? 'salesorderdetails' : 'quotedetails', {
    [`${kind === 'salesorder' ? 'salesorderid' : 'quoteid'}@odata.bind`]: `/${set}(${id})`,
    'productid@odata.bind': `/products(${product})`,
    quantity: 2,
    ispriceoverridden: true,
    priceperunit: 15,
  });
  assert.ok(line.ok, line.ok ? '' : line.error.message);
  const state = await user.update(set, id, kind === 'salesorder' ? SUBMITTED : ACTIVE_QUOTE);
  assert.ok(state.ok, state.ok ? '' : state.error.message);
  return id;
}

test('kobling statistics: done, nothing to do, a bad number, an unknown one, some not coupled', async () => {
  const { coupled, uncoupled } = await customers();

  const done = await kobling('statistics', coupled.number);
  assert.equal(done.code, 0, done.out);
  assert.match(done.first, new RegExp(`^${coupled.number}\\s+(inserted|modified)\\s`), done.out);

  const again = await kobling('statistics', coupled.number);
  assert.equal(again.code, 0, again.out);
  assert.match(again.first, new RegExp(`^${coupled.number}\\s+unchanged\\s`), again.out);
  assert.match(again.last, /^Nothing to update: /, again.out);

  const bad = await kobling('statistics', 'C'.repeat(21));
  assert.equal(bad.code, 2, bad.out);
  assert.match(bad.first, /^error \[validation_failed\]: customer number "C{21}": /, bad.out);

  const unknown = await kobling('statistics', 'C99999');
  assert.equal(unknown.code, 1, unknown.out);
  assert.match(unknown.first, /^C99999\s+notFound\s+Customer C99999 does not exist/, unknown.out);
  assert.match(unknown.last, /^error \[not_found\]: 1 customer not found/, unknown.out);

  const some = await kobling('statistics', coupled.number, uncoupled);
  assert.equal(some.code, 1, some.out);
  assert.match(some.first, new RegExp(`^${coupled.number}\\s+unchanged\\s`), some.out);
  assert.match(
    some.out,
    new RegExp(`${uncoupled}\\s+failed\\s+Customer ${uncoupled} is not coupled`),
  );
  assert.match(some.last, /^error \[not_coupled\]: 1 customer not updated/, some.out);

  // A blocked customer is outside the CUSTOMER mapping's filter: creating its account is refused,
  // so the advice is why it has no account, not "create its account first".
  const blocked = await one<{ number: string }>(
    `SELECT number FROM erp.customers k
      WHERE blocked = 'All' AND NOT EXISTS (SELECT 1 FROM integration.couplings c WHERE c.erp_id = k.id)
      ORDER BY number LIMIT 1`,
  );
  assert.ok(blocked, 'the demo has a blocked customer');
  const refused = await kobling('statistics', blocked.number);
  assert.equal(refused.code, 1, refused.out);
  assert.match(
    refused.first,
    new RegExp(
      `^${blocked.number}\\s+failed\\s+Customer ${blocked.number} has no account in Dynamics 365 Sales to update: it is outside the ERP filter of mapping CUSTOMER \\(blocked = All, the filter needs blocked empty\\)`,
    ),
    refused.out,
  );
  assert.doesNotMatch(refused.out, /create its account first/);
});

test('kobling invoices --create-in-crm: done, nothing to do, a bad number, an unknown one, some failed', async () => {
  const posted = (
    await t.db.query<{ number: string }>(
      'SELECT number FROM erp.sales_invoice_headers ORDER BY number LIMIT 2',
    )
  ).rows.map((r) => r.number);
  assert.equal(posted.length, 2, 'the demo has posted invoices');
  const [first, second] = posted as [string, string];

  const done = await kobling('invoices', '--create-in-crm', first);
  assert.equal(done.code, 0, done.out);
  assert.match(done.first, new RegExp(`^${first}\\s+created\\s+Invoice ${first} was created`));
  assert.match(done.last, /^1 created, 0 already in Dynamics 365 Sales, 0 failed$/, done.out);

  const again = await kobling('invoices', '--create-in-crm', first);
  assert.equal(again.code, 0, again.out);
  assert.match(again.first, new RegExp(`^${first}\\s+alreadyCoupled\\s`), again.out);
  assert.match(again.last, /^Nothing to create: /, again.out);

  const bad = await kobling('invoices', '--create-in-crm', 'X'.repeat(21));
  assert.equal(bad.code, 2, bad.out);
  assert.match(bad.first, /^error \[validation_failed\]: --create-in-crm "X{21}": /, bad.out);

  const unknown = await kobling('invoices', '--create-in-crm', 'PSI999999');
  assert.equal(unknown.code, 1, unknown.out);
  assert.match(
    unknown.first,
    /^PSI999999\s+notFound\s+Posted sales invoice PSI999999 does not exist/,
  );
  assert.match(unknown.out, /no job was run/);
  assert.match(unknown.last, /^error \[invoice_not_created\]: 1 invoice not created/);

  const some = await kobling('invoices', '--create-in-crm', second, 'PSI999999');
  assert.equal(some.code, 1, some.out);
  assert.match(some.first, new RegExp(`^${second}\\s+created\\s`), some.out);
  assert.match(some.out, /^1 created, 0 already in Dynamics 365 Sales, 1 failed$/m);
  assert.match(some.last, /^error \[invoice_not_created\]: 1 invoice not created/);
});

test('kobling orders --create / --auto: done, nothing to do, a bad id, some refused', async () => {
  const nothing = await kobling('orders', '--auto');
  assert.equal(nothing.code, 0, nothing.out);
  assert.equal(nothing.first, 'No submitted CRM orders are waiting; nothing was created.');

  const id = await crmDocument('salesorder', 'CLI order');
  const done = await kobling('orders', '--create', id);
  assert.equal(done.code, 0, done.out);
  assert.match(done.first, new RegExp(`^${id}  `), done.out);
  assert.match(done.last, /^1 created, 0 already in the ERP, 0 refused$/, done.out);

  const again = await kobling('orders', '--create', id);
  assert.equal(again.code, 0, again.out);
  assert.match(again.first, new RegExp(`^${id}  `), again.out);
  assert.match(again.last, /^Nothing to create: /, again.out);

  const idle = await kobling('orders', '--auto');
  assert.equal(idle.code, 0, idle.out);
  assert.equal(idle.first, 'No submitted CRM orders are waiting; nothing was created.');

  const bad = await kobling('orders', '--create', 'not-a-guid');
  assert.equal(bad.code, 2, bad.out);
  assert.match(bad.first, /^error \[validation_failed\]: --create "not-a-guid": /, bad.out);

  const other = await crmDocument('salesorder', 'CLI order 2');
  const some = await kobling('orders', '--create', other, UNKNOWN_GUID);
  assert.equal(some.code, 1, some.out);
  assert.match(some.first, new RegExp(`^${other}  `), some.out);
  assert.match(
    some.out,
    new RegExp(
      `^${UNKNOWN_GUID}  refused \\[not_found\\]: No sales order with this id exists in Dynamics 365 Sales$`,
      'm',
    ),
  );
  assert.match(some.out, /^1 created, 0 already in the ERP, 1 refused$/m);
  assert.match(some.last, /^error \[documents_refused\]: 1 document refused/, some.out);
});

test('kobling quotes --process: done, nothing to do, a bad id, some refused', async () => {
  const id = await crmDocument('quote', 'CLI quote');
  const done = await kobling('quotes', '--process', id);
  assert.equal(done.code, 0, done.out);
  assert.match(done.first, new RegExp(`^${id}  `), done.out);
  assert.match(done.last, /^1 processed, 0 unchanged, 0 refused$/, done.out);

  const again = await kobling('quotes', '--process', id);
  assert.equal(again.code, 0, again.out);
  assert.match(again.first, new RegExp(`^${id}  `), again.out);
  assert.match(again.last, /^Nothing to process: /, again.out);

  const bad = await kobling('quotes', '--process', id, 'x');
  assert.equal(bad.code, 2, bad.out);
  assert.match(bad.first, /^error \[validation_failed\]: --process "x": /, bad.out);

  const some = await kobling('quotes', '--process', UNKNOWN_GUID, id);
  assert.equal(some.code, 1, some.out);
  assert.equal(
    some.first,
    `${UNKNOWN_GUID}  refused [not_found]: No quote with this id exists in Dynamics 365 Sales`,
  );
  assert.match(some.out, /^0 processed, 1 unchanged, 1 refused$/m);
  assert.match(some.last, /^error \[documents_refused\]: 1 document refused/, some.out);
});
