import assert from 'node:assert/strict';
import type { startRealtime } from '../../src/integration/realtime/realtime-service.ts';
import { runMappingJob } from '../../src/integration/sync-jobs.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { erpClient } from '../erp/api-client.ts';
import { basicCompany } from '../erp/fixtures.ts';
import { startTestServer, type TestServer, testConfig } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

/** An ERP company whose item is coupled with its unit group, units and product. */
export interface ItemUnitsFixture {
  readonly fx: SyncFixture;
  readonly server: TestServer;
  readonly erp: ReturnType<typeof erpClient>;
  readonly deps: Parameters<typeof startRealtime>[0];
  readonly item: { id: string };
}

/**
 * The basic company with `units` added to the ERP's units of measure, its item coupled the way a
 * full synchronization couples it (unit groups, units, then products), and only the item mappings
 * real-time, so the other default mappings stay quiet. The tests of a coupled item's new base unit.
 */
export async function startItemUnits(
  units: readonly string[],
  logLevel = 'silent',
): Promise<ItemUnitsFixture> {
  const fx = await startSyncFixture();
  const company = await basicCompany(fx.db);
  const env = { KOBLING_SECRET_KEY: 'u'.repeat(40) };
  const deps = {
    db: fx.db,
    config: testConfig(env),
    logger: createLogger(logLevel),
    clock: systemClock,
  };
  await fx.connect(deps.config);
  const server = await startTestServer(fx.db, undefined, env);
  const erp = erpClient(server, await server.tokenFor('admin'), company.companyId);
  for (const code of units) {
    const r = await erp.post('unitsOfMeasure', { code, displayName: code });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  for (const mapping of ['UNIT GROUP', 'ITEM UOM', 'ITEM-PRODUCT']) {
    const r = await runMappingJob(deps, { mapping, trigger: 'test', full: true });
    assert.ok(r.ran, r.reason);
    assert.ok(
      r.reports!.every((p) => p.status === 'succeeded' && p.counters.failed === 0),
      JSON.stringify(r.reports),
    );
  }
  await fx.db.query('UPDATE integration.table_mappings SET realtime = name = ANY($1)', [
    ['UNIT GROUP', 'ITEM UOM', 'ITEM-PRODUCT'],
  ]);
  return { fx, server, erp, deps, item: company.item as { id: string } };
}

/** The CRM id an ERP record is coupled to by `mapping`. */
export const crmIdOf = async (fx: SyncFixture, mapping: string, erpId: string) =>
  (
    await fx.db.query<{ crm_id: string }>(
      "SELECT crm_id FROM integration.couplings WHERE mapping_name = $1 AND erp_id = $2 AND state = 'coupled'",
      [mapping, erpId],
    )
  ).rows[0]?.crm_id;
