import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startJobQueue } from '../../src/db/job-queue.ts';
import { outboundFlowsPart } from '../../src/flows/outbound-jobs.ts';
import { runFullSyncLine } from '../../src/integration/full-sync/full-sync-job.ts';
import {
  expectedTotal,
  getLine,
  transition,
} from '../../src/integration/full-sync/full-sync-lines.ts';
import { generateLines } from '../../src/integration/full-sync/full-sync-service.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { startOutboundFixture } from './outbound-fixture.ts';

const t = useFixture(startOutboundFixture);
const MAPPING = 'POSTEDSALESINV-INV';

test('the full synchronization line of POSTEDSALESINV-INV creates the posted invoices as the flow does: named, with their lines', async () => {
  const { invoice } = await t.postOrder({
    customerNumber: 'C-EUR',
    salesOrderLines: [
      { lineType: 'Item', lineObjectNumber: 'I-1', quantity: 2 },
      { lineType: 'Resource', lineObjectNumber: 'R-1', quantity: 1 },
    ],
  });
  assert.equal(await t.crmIdOf(String(invoice.id)), undefined, 'not in the CRM yet');
  const ctx = t.server.ctx;
  const deps = { db: ctx.db, config: ctx.config, logger: ctx.logger, clock: ctx.clock };
  const boss = await startJobQueue(ctx.db, ctx.logger);
  try {
    const lines = await generateLines(deps);
    assert.ok(lines.ok, lines.ok ? '' : lines.error.message);
    // As a restart does: back to pending (its counts cleared), then queued.
    const queue = async () => {
      await transition(ctx.db, MAPPING, 'Pending');
      await ctx.db.query(
        "UPDATE integration.full_sync_lines SET status = 'Queued' WHERE mapping_name = $1",
        [MAPPING],
      );
    };

    // The generic engine alone sends a header without name or customer: the CRM refuses it (the
    // line runs to its end with the record failed).
    await queue();
    await runFullSyncLine(deps, boss, MAPPING);
    const generic = await getLine(ctx.db, MAPPING);
    assert.equal(generic?.status, 'FinishedWithErrors', JSON.stringify(generic));
    assert.equal(generic?.counters.failed, 1);
    assert.equal(await t.crmIdOf(String(invoice.id)), undefined);

    // With the flows part's line runner (as `kobling start` composes the workers) it finishes.
    const fullSyncLines = outboundFlowsPart.fullSyncLines!(ctx);
    await queue();
    await runFullSyncLine({ ...deps, fullSyncLines }, boss, MAPPING);
    const line = await getLine(ctx.db, MAPPING);
    assert.equal(line?.status, 'Finished', JSON.stringify(line));
    assert.match(String(line?.message), /1 inserted/);
    assert.equal(line?.counters.inserted, 1);
    const crmId = await t.crmIdOf(String(invoice.id), MAPPING);
    assert.ok(crmId, 'the posted invoice is coupled to its CRM invoice');
    const crm = await t.crm('invoices', crmId);
    assert.equal(crm.name, invoice.number);
    assert.equal(crm.invoicenumber, invoice.number);
    assert.equal(crm._customerid_value, await t.crmIdOf(t.company.eur.id));
    assert.ok(crm._pricelevelid_value, 'a price list');
    const details = await t.crmList('invoicedetails', `_invoiceid_value eq ${crmId}`);
    assert.equal(details.length, 2, 'the item and the resource line');

    // Run again: nothing left to create, and nothing created twice. The line still adds up to
    // what it showed while queued and running (every posted invoice: those found in the CRM
    // count as unchanged), not 4 of 4 then 0 records.
    await queue();
    const waiting = await getLine(ctx.db, MAPPING);
    const shownTotal = expectedTotal(waiting!);
    assert.ok(shownTotal && shownTotal > 0, JSON.stringify(waiting));
    await runFullSyncLine({ ...deps, fullSyncLines }, boss, MAPPING);
    const again = await getLine(ctx.db, MAPPING);
    assert.equal(again?.status, 'Finished', JSON.stringify(again));
    assert.equal(again?.done, shownTotal, 'the finished line counts what it showed');
    assert.equal(expectedTotal(again!), shownTotal);
    assert.equal(again?.counters.inserted, 0);
    assert.equal(again?.counters.unchanged, shownTotal);
    assert.equal(again?.message, `${shownTotal} unchanged`);
    const all = await t.crmList('invoices', `invoicenumber eq '${invoice.number}'`);
    assert.equal(all.length, 1);

    // A coupled invoice whose CRM invoice was deleted since is not there: created again.
    const deleted = await t.fx.user.delete('invoices', crmId);
    assert.ok(deleted.ok, deleted.ok ? '' : deleted.error.message);
    await queue();
    await runFullSyncLine({ ...deps, fullSyncLines }, boss, MAPPING);
    const recreated = await getLine(ctx.db, MAPPING);
    assert.equal(recreated?.counters.inserted, 1, JSON.stringify(recreated));
    assert.equal(recreated?.done, shownTotal);
    assert.equal((await t.crmList('invoices', `invoicenumber eq '${invoice.number}'`)).length, 1);
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
});
