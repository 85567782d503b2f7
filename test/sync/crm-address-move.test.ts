import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { crmPort } from '../../src/integration/adapters/crm-port.ts';
import { saveConnection } from '../../src/integration/connection-service.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { getWatermarks, setWatermark } from '../../src/sync/mappings/mapping-repo.ts';
import { crmClientFor } from '../helpers/crm-client.ts';
import { testConfig } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

let fx: SyncFixture;
before(async () => {
  fx = await startSyncFixture();
});
after(async () => {
  await fx?.close();
});

/** The same emulator (the same org) reached under another address: `localhost` for 127.0.0.1. */
const otherAddress = () => {
  const baseUrl = fx.emulator.baseUrl.replace('127.0.0.1', 'localhost');
  return {
    baseUrl,
    tokenUrl: fx.emulator.tokenUrl.replace('127.0.0.1', 'localhost'),
    authority: fx.emulator.authority.replace('127.0.0.1', 'localhost'),
  };
};

test('a CRM watermark is relative and keeps reading the same org incrementally under a new address', async () => {
  const first = await fx.ctx.crm.changes('account', null);
  assert.ok(first.ok, first.ok ? '' : first.error.message);
  const watermark = first.value.nextWatermark;
  assert.doesNotMatch(watermark, /^https?:/, 'stored relative to the Web API base');
  const created = await fx.client.create('accounts', { name: 'Moved-address account' });
  assert.ok(created.ok);

  const moved = crmPort(crmClientFor(otherAddress(), fx.credentials));
  const next = await moved.changes('account', watermark);
  assert.ok(next.ok, next.ok ? '' : next.error.message);
  assert.deepEqual(
    next.value.rows.map((r) => r.id),
    [created.value.id],
    'only the change since the watermark, not every account again',
  );
  // A link stored absolute by an older version, on the old address, is read the same way.
  const absolute = await moved.changes('account', fx.client.apiUrl + watermark);
  assert.ok(absolute.ok, absolute.ok ? '' : absolute.error.message);
  assert.deepEqual(
    absolute.value.rows.map((r) => r.id),
    [created.value.id],
  );
});

test('saving the connection under a new address of the same org keeps the CRM watermarks; another org sets them aside', async () => {
  const config = testConfig();
  await fx.connect(config);
  const deps = { db: fx.db, config, logger: createLogger('silent') };
  await fx.db.query(
    "UPDATE integration.connection SET crm_organization_id = (SELECT id FROM crm.records WHERE entity = 'organization' LIMIT 1)",
  );
  await setWatermark(fx.db, 'CUSTOMER', 'crm', 'accounts?$deltatoken=1');
  const at = otherAddress();
  const same = await saveConnection(deps, { crmUrl: at.baseUrl, authorityUrl: at.authority });
  assert.ok(same.ok, same.ok ? '' : same.error.message);
  assert.match(same.value.notice ?? '', /same organization/);
  assert.equal((await getWatermarks(fx.db, 'CUSTOMER')).crm, 'accounts?$deltatoken=1');

  await fx.db.query(
    "UPDATE integration.connection SET crm_organization_id = '00000000-0000-0000-0000-000000000001'",
  );
  const other = await saveConnection(deps, {
    crmUrl: fx.emulator.baseUrl,
    authorityUrl: fx.emulator.authority,
  });
  assert.ok(other.ok, other.ok ? '' : other.error.message);
  assert.match(other.value.notice ?? '', /another Dynamics 365 organization/);
  assert.equal((await getWatermarks(fx.db, 'CUSTOMER')).crm, null);
});
