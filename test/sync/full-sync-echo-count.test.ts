import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectedTotal } from '../../src/integration/full-sync/full-sync-lines.ts';
import {
  type ReviewLine,
  restartLine,
  startFullSync,
} from '../../src/integration/full-sync/full-sync-service.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { previewMapping } from '../../src/sync/preview/preview.ts';
import { settledLines, startFullSyncSetting } from '../helpers/full-sync.ts';
import { createAccounts, insertCustomers } from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';

// As on the demo: customers only in the ERP, accounts only in the CRM. A first full
// synchronization creates the accounts' customers in the ERP — the integration's own, coupled
// writes, which every later ERP → CRM pass drops as echoes.
const t = useFixture(() =>
  startFullSyncSetting({
    secretKey: 'e'.repeat(40),
    seed: async (fx) => {
      await fx.setMapping({
        ...fx.mapping('CUSTOMER'),
        syncOnlyCoupled: false,
        direction: 'Bidirectional',
      });
      await insertCustomers(fx.db, 5, { number: 'E', name: 'Echo count customer', city: 'Oslo' });
      await createAccounts(fx, ['Only in the CRM one', 'Only in the CRM two']);
    },
  }),
);

const customerLine = async () =>
  (await settledLines(t.deps)).find((l) => l.mapping === 'CUSTOMER')!;

/**
 * Restarts CUSTOMER and follows it to its end: the total its bar showed when it started (from the
 * counts, `expectedTotal`) and the finished line.
 */
async function restartCustomer(): Promise<{ shown: number; line: ReviewLine }> {
  const restarted = await restartLine(t.deps, t.boss, 'CUSTOMER');
  assert.ok(restarted.ok, restarted.ok ? '' : restarted.error.message);
  const shown = expectedTotal({ ...restarted.value.line, status: 'Running', total: null, done: 0 });
  assert.ok(shown !== null);
  return { shown, line: await customerLine() };
}

/** The invariant of every finished line: its records are what its counters add up to. */
function assertAddsUp(l: ReviewLine, shown: number): void {
  assert.equal(l.status, 'Finished', l.message ?? '');
  const counted = Object.values(l.counters).reduce((n, c) => n + c, 0);
  assert.equal(l.done, counted, `records shown = what its counters add up to: ${l.message}`);
  assert.equal(expectedTotal(l), shown, `the bar ends at the total it started with (${l.done})`);
  assert.equal(l.done, l.erpCount, 'every customer the review counted is accounted for');
}

test("a restarted bidirectional line accounts for every record the review counted, the integration's own coupled writes included, and its total does not move", async () => {
  assert.ok((await startFullSync(t.deps, t.boss)).ok);
  const first = await customerLine();
  assert.equal(first.status, 'Finished', first.message ?? '');
  assert.deepEqual([first.done, first.counters.inserted], [7, 7]);
  const created = await t.fx.db.query<{ id: string }>(
    "SELECT id FROM erp.customers WHERE modified_by = 'integration'",
  );
  assert.equal(created.rowCount, 2, 'the CRM → ERP pass created the two accounts in the ERP');

  // The accounts are still their user's: the CRM → ERP pass reads them (unchanged) while the
  // ERP → CRM pass drops their customers as echoes. Each pair counted once.
  const userAccounts = await restartCustomer();
  assert.equal(userAccounts.line.erpCount, 7);
  assert.equal(userAccounts.shown, 7);
  assertAddsUp(userAccounts.line, 7);
  assert.equal(userAccounts.line.counters.unchanged, 7);

  // The integration writes the two accounts too (a field flowing to the CRM): both sides of the
  // pairs are now its own, so neither pass reads them — they were left out (`7` shown, `5/5`
  // finished). They are counted unchanged by the ERP → CRM pass: nothing changed on either side
  // since the integration synchronized them.
  const sent = await runMapping(t.fx.ctx, t.fx.mapping('CUSTOMER'), {
    trigger: 'test',
    only: 'ToIntegrationTable',
    erpIds: created.rows.map((r) => r.id),
    force: true,
  });
  assert.equal(sent[0]?.counters.modified, 2, JSON.stringify(sent));
  // The full preview (`kobling sync CUSTOMER --dry-run --full`) counts them as the run does.
  const preview = await previewMapping(t.fx.ctx, t.fx.mapping('CUSTOMER'), { full: true });
  assert.ok(preview.ok);
  assert.deepEqual(
    preview.value.summary.passes.map((p) => [p.direction, p.counters.unchanged]),
    [
      ['ToIntegrationTable', 7],
      ['FromIntegrationTable', 0],
    ],
  );
  assert.equal(
    preview.value.details.filter((d) => /wrote both records last/.test(d.message ?? '')).length,
    2,
  );
  const ownAccounts = await restartCustomer();
  assert.equal(ownAccounts.shown, 7, 'the total the bar starts with');
  assertAddsUp(ownAccounts.line, 7);
  assert.equal(ownAccounts.line.counters.unchanged, 7, JSON.stringify(ownAccounts.line.counters));
  assert.match(ownAccounts.line.message ?? '', /^7 unchanged$/);
});
