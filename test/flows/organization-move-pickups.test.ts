import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DataverseClient } from '../../src/dataverse/index.ts';
import { reportOrderStatus } from '../../src/flows/sales-orders/order-events.ts';
import { newId } from '../../src/shared/ids.ts';
import { readConnection } from '../../src/sync/connection/connection-repo.ts';
import { crmClientFor } from '../helpers/crm-client.ts';
import { connectionSettings, startIntegrationEmulator } from '../helpers/crm-emulator.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { startOutboundFixture } from './outbound-fixture.ts';

/**
 * The flows' pickups and event receipts across a move to another organization (migrations sync 031,
 * flows 005). Organization B is a second emulator; its quote has the id of one organization A had,
 * as in a copy of an organization (a sandbox made from production keeps the ids).
 */
const t = useFixture(async () => {
  const o = await startOutboundFixture();
  const orgDb = await createMigratedDb('org_b_pickups');
  const b = await startIntegrationEmulator(orgDb);
  return {
    ...o,
    toA: o.fx.connection,
    toB: connectionSettings(b.emulator, b.integration),
    salespersonB: crmClientFor(b.emulator, b.salesperson),
    async close() {
      await b.emulator.stop();
      await orgDb.drop();
      await o.close();
    },
  };
});

const ACTIVE = { statecode: 1, statuscode: 2 };

const must = <T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
};

/** An active quote with the given id for the EUR customer, written by the salesperson. */
async function activeQuote(crm: DataverseClient, id: string): Promise<void> {
  const account = (await t.crmIdOf(t.company.eur.id, 'CUSTOMER'))!;
  const product = (await t.crmIdOf(t.company.item.id, 'ITEM-PRODUCT'))!;
  assert.ok(account && product, 'customer and item are coupled in the connected organization');
  must(
    await crm.create('quotes', {
      quoteid: id,
      name: 'Widgets for the EUR customer',
      'customerid_account@odata.bind': `/accounts(${account})`,
      effectiveto: '2026-12-31',
    }),
  );
  must(
    await crm.create('quotedetails', {
      'quoteid@odata.bind': `/quotes(${id})`,
      'productid@odata.bind': `/products(${product})`,
      quantity: 2,
      ispriceoverridden: true,
      priceperunit: 20,
    }),
  );
  must(await crm.update('quotes', id, ACTIVE));
}

const processInErp = async (id: string) => {
  const r = await t.ok('POST', '/crmQuotes/processInErp', { crmIds: [id] });
  assert.equal(r.results[0].ok, true, JSON.stringify(r));
  return r.results[0];
};

const moveTo = async (settings: typeof t.toA) => {
  const moved = await t.api('PATCH', '/connection', settings);
  assert.equal(moved.status, 200, moved.text);
  return moved.json.notice as string;
};

const rows = async (table: string) =>
  (await t.fx.db.query(`SELECT 1 FROM integration.${table}`)).rowCount ?? 0;

test('after a move, a won quote with an id the old organization had is processed in the new one, not "already processed"; the event receipts go aside and come back with the old organization', async () => {
  const orgA = (await readConnection(t.fx.db)).crmOrganizationId!;
  const id = newId();
  // In A: the quote becomes an ERP quote, the ERP makes it an order, the quote is won and linked.
  await activeQuote(t.fx.user, id);
  const made = await processInErp(id);
  assert.equal(made.outcome, 'created', JSON.stringify(made));
  const order = await t.erp.action(`salesQuotes(${made.erpQuoteId})/Microsoft.NAV.makeOrder`);
  assert.ok(order.status < 300, JSON.stringify(order.body));
  must(
    await t.fx.user.callAction('WinQuote', {
      QuoteClose: {
        '@odata.type': 'Microsoft.Dynamics.CRM.quoteclose',
        'quoteid@odata.bind': `/quotes(${id})`,
        subject: 'Won',
      },
      Status: -1,
    }),
  );
  assert.equal((await processInErp(id)).outcome, 'orderLinked');
  assert.equal((await processInErp(id)).outcome, 'unchanged', 'done in A');
  // An ERP order posted in A: its events are looked at (not made from a CRM order: passed over).
  await t.postOrder({
    customerNumber: 'C-EUR',
    salesOrderLines: [{ lineType: 'Item', lineObjectNumber: 'I-1', quantity: 1 }],
  });
  const seenInA = must(await reportOrderStatus(t.server.ctx));
  assert.ok(seenInA.ignored > 0, JSON.stringify(seenInA));
  assert.equal(must(await reportOrderStatus(t.server.ctx)).ignored, 0, 'each event once');
  const pickupsA = await rows('crm_document_pickups');
  const receiptsA = await rows('flow_event_receipts');
  assert.ok(pickupsA > 0 && receiptsA > 0);

  // To B, where the master data is coupled afresh.
  const notice = await moveTo(t.toB);
  assert.match(notice, new RegExp(`${pickupsA} CRM order/quote pickups?\\b`));
  assert.match(notice, new RegExp(`${receiptsA} handled ERP events?\\b`));
  assert.equal(await rows('crm_document_pickups'), 0, "A's pickups are set aside");
  assert.equal(await rows('flow_event_receipts'), 0);
  const aside = await t.fx.db.query<{ kind: string; n: number }>(
    `SELECT kind, count(*)::int AS n FROM integration.organization_set_aside
      WHERE organization_id = $1 AND kind IN ('crm_document_pickups', 'flow_event_receipts')
      GROUP BY kind ORDER BY kind`,
    [orgA],
  );
  assert.deepEqual(aside.rows, [
    { kind: 'crm_document_pickups', n: pickupsA },
    { kind: 'flow_event_receipts', n: receiptsA },
  ]);
  await t.fx.db.query(
    "UPDATE integration.full_sync_lines SET status = 'Finished', message = NULL, finished_at = now()",
  );
  await t.coupleMasterData();

  // B's quote with the same id, won with an order not submitted yet: processed (an ERP quote made
  // and released to wait for the order), where A's pickup had answered "already processed".
  await activeQuote(t.salespersonB, id);
  must(
    await t.salespersonB.callAction('ConvertQuoteToSalesOrder', {
      QuoteId: id,
      ColumnSet: { AllColumns: true },
    }),
  );
  const listed = await t.ok('GET', '/crmQuotes?state=all');
  const inList = listed.value.find((q: { crmId: string }) => q.crmId === id);
  assert.equal(inList?.wonProcessed, false, JSON.stringify(inList));
  const won = await processInErp(id);
  assert.equal(won.outcome, 'released', JSON.stringify(won));
  // B looks at every ERP event once, A's included (nothing of it is coupled in B).
  const seenInB = must(await reportOrderStatus(t.server.ctx));
  assert.ok(seenInB.ignored >= seenInA.ignored, JSON.stringify(seenInB));

  // Back to A: its pickups and receipts return; the won quote is still done there.
  assert.match(await moveTo(t.toA), /synchronized before/);
  assert.equal(await rows('crm_document_pickups'), pickupsA);
  assert.equal(await rows('flow_event_receipts'), receiptsA);
  assert.equal((await processInErp(id)).outcome, 'unchanged');
  assert.equal(must(await reportOrderStatus(t.server.ctx)).ignored, 0, 'no event reported twice');
});
