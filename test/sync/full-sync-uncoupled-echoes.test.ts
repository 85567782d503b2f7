import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { ERP_INTEGRATION_ACTOR } from '../../src/sync/ports.ts';
import { previewMapping } from '../../src/sync/preview/preview.ts';
import { uncouple } from '../../src/sync/service/couplings.ts';
import { createAccounts } from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { startSyncFixture } from './sync-fixture.ts';

const t = useFixture(() => startSyncFixture());
const NAME = 'Echo Uncoupled Ltd';

const accountsNamed = async () => {
  const r = await t.client.collectAll<{ accountid: string }>('accounts', {
    select: ['accountid'],
    filter: `name eq '${NAME}'`,
  });
  assert.ok(r.ok);
  return r.value;
};

test('a full run creates an uncoupled ERP record the integration last wrote; an incremental run still skips echoes', async () => {
  const m = { ...t.mapping('CUSTOMER'), syncOnlyCoupled: false };
  await t.setMapping(m);
  await createAccounts(t, [NAME]);
  // The CRM → ERP pass creates the customer in the ERP: written by the integration, coupled.
  await runMapping(t.ctx, m, { trigger: 'test' });
  const made = await t.db.query<{ id: string; modified_by: string }>(
    'SELECT id, modified_by FROM erp.customers WHERE display_name = $1',
    [NAME],
  );
  assert.equal(made.rows.length, 1);
  const erpId = made.rows[0]!.id;
  assert.equal(made.rows[0]!.modified_by, ERP_INTEGRATION_ACTOR);
  // Its coupling removed and its account gone (as in an organization the connection moved to).
  assert.equal(await uncouple(t.db, m, [erpId]), 1);
  const [account] = await accountsNamed();
  assert.ok(account);
  const del = await t.user.executeBatch([
    { kind: 'delete', entitySet: 'accounts', id: String(account.accountid) },
  ]);
  assert.ok(del.every((r) => r.ok));

  // An incremental run takes the integration's own write for an echo: nothing is sent.
  const incremental = await runMapping(t.ctx, m, { trigger: 'test', only: 'ToIntegrationTable' });
  assert.equal(incremental[0]?.counters.inserted, 0);
  assert.equal((await accountsNamed()).length, 0);

  // A full run (from no watermark, as a full synchronization line) counts and creates it.
  await t.db.query(
    "UPDATE integration.table_mappings SET erp_watermark = NULL, crm_watermark = NULL WHERE name = 'CUSTOMER'",
  );
  const preview = await previewMapping(t.ctx, m, { full: true, only: 'ToIntegrationTable' });
  assert.ok(preview.ok);
  assert.ok(
    preview.value.details.some((d) => d.erpId === erpId && d.action === 'insert'),
    'the full preview lists the uncoupled record the integration wrote',
  );
  const full = await runMapping(t.ctx, m, {
    trigger: 'test',
    only: 'ToIntegrationTable',
    ignoreOnlyCoupled: true,
  });
  assert.equal(full[0]?.counters.inserted, 1, JSON.stringify(full));
  assert.equal((await accountsNamed()).length, 1);
  const coupled = await t.db.query(
    'SELECT 1 FROM integration.couplings WHERE erp_id = $1 AND crm_id IS NOT NULL',
    [erpId],
  );
  assert.equal(coupled.rowCount, 1);
});
