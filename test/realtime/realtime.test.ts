import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { realtimeRuns, registry } from '../../src/integration/metrics/registry.ts';
import {
  type RealtimeService,
  startRealtime,
} from '../../src/integration/realtime/realtime-service.ts';
import { setRealtime } from '../../src/integration/realtime/realtime-settings.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { eventually } from '../helpers/eventually.ts';
import { testConfig } from '../helpers/server.ts';
import { insertCustomers } from '../helpers/sync-data.ts';
import { type SyncFixture, startSyncFixture } from '../sync/sync-fixture.ts';

const N = 20;
const FAST = { refreshMs: 200, pollMs: 300, maxPollMs: 5000, debounceMs: 100, maxWaitMs: 500 };
let fx: SyncFixture;
let deps: Parameters<typeof startRealtime>[0];
const services: RealtimeService[] = [];

before(async () => {
  fx = await startSyncFixture();
  const config = testConfig({ KOBLING_SECRET_KEY: 'r'.repeat(40) });
  deps = {
    db: fx.db,
    config,
    logger: createLogger(process.env.RT_LOG ?? 'silent'),
    clock: systemClock,
  };
  await fx.connect(deps.config);
  await fx.setMapping({ ...fx.mapping('CUSTOMER'), syncOnlyCoupled: false });
  await insertCustomers(fx.db, N, { number: 'R', name: 'Realtime customer', city: 'Oslo' });
  // The first run couples everything and sets both watermarks; from here on only changes move.
  const reports = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.ok(reports.every((r) => r.status === 'succeeded'));
  // Only CUSTOMER is real-time here, so the other default mappings stay quiet.
  await fx.db.query('UPDATE integration.table_mappings SET realtime = (name = $1)', ['CUSTOMER']);
});
after(async () => {
  for (const s of services) await s.stop();
  await fx?.close();
});

async function start(): Promise<RealtimeService> {
  const s = await startRealtime(deps, FAST);
  services.push(s);
  return s;
}

/** Waits until `check` holds (polling the data, not asserting times). */
async function accountOf(number: string): Promise<{ id: string; row: Record<string, unknown> }> {
  const c = await fx.db.query<{ crm_id: string }>(
    `SELECT k.crm_id FROM integration.couplings k JOIN erp.customers c ON c.id = k.erp_id
      WHERE k.mapping_name = 'CUSTOMER' AND c.number = $1`,
    [number],
  );
  const id = c.rows[0]!.crm_id;
  const r = await fx.client.retrieve<Record<string, unknown>>('accounts', id);
  assert.ok(r.ok);
  return { id, row: r.value };
}

const realtimeJobs = async (direction: string, since: Date) =>
  Number(
    (
      await fx.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM integration.sync_jobs
          WHERE trigger = 'realtime' AND mapping_name = 'CUSTOMER' AND direction = $1 AND started_at >= $2`,
        [direction, since],
      )
    ).rows[0]!.n,
  );

test('an ERP edit reaches the CRM without any scheduler tick', async () => {
  const s = await start();
  await eventually('leadership of CUSTOMER', async () => s.led().includes('CUSTOMER'));
  await fx.db.query("UPDATE erp.customers SET city = 'Bergen' WHERE number = 'R00001'");
  await eventually(
    'the account to show the new city',
    async () => (await accountOf('R00001')).row.address1_city === 'Bergen',
  );
});

test('a CRM edit by a salesperson reaches the ERP by change-tracking polling', async () => {
  const { id } = await accountOf('R00002');
  const edited = await fx.user.update('accounts', id, { telephone1: '+47 22 00 00 02' });
  assert.ok(edited.ok);
  await eventually('the customer to show the new phone number', async () => {
    const r = await fx.db.query<{ phone_number: string }>(
      "SELECT phone_number FROM erp.customers WHERE number = 'R00002'",
    );
    return r.rows[0]?.phone_number === '+47 22 00 00 02';
  });
});

test('a burst of 500 ERP edits becomes a few runs, and the last value of each record arrives', async () => {
  const since = new Date();
  for (let i = 1; i <= 500; i++) {
    const n = ((i - 1) % N) + 1;
    await fx.db.query('UPDATE erp.customers SET city = $1 WHERE number = $2', [
      `Burst ${i}`,
      `R${String(n).padStart(5, '0')}`,
    ]);
  }
  for (let n = 1; n <= N; n++) {
    const last = 500 - ((500 - n) % N);
    await eventually(
      `customer ${n}`,
      async () =>
        (await accountOf(`R${String(n).padStart(5, '0')}`)).row.address1_city === `Burst ${last}`,
    );
  }
  const runs = await realtimeJobs('ToIntegrationTable', since);
  assert.ok(runs >= 1 && runs <= 25, `500 edits took ${runs} runs`);
});

test('two processes: one leads each mapping; when it stops, the other takes over', async () => {
  const first = services[0]!;
  const second = await start();
  await new Promise((r) => setTimeout(r, 600));
  assert.deepEqual(first.led(), ['CUSTOMER']);
  assert.deepEqual(second.led(), [], 'a mapping is led by one process only');
  await first.stop();
  services.shift();
  await eventually('the second process to lead', async () => second.led().includes('CUSTOMER'));
  await fx.db.query("UPDATE erp.customers SET city = 'Tromsø' WHERE number = 'R00003'");
  await eventually(
    'the edit through the new leader',
    async () => (await accountOf('R00003')).row.address1_city === 'Tromsø',
  );
});

test('the switch turns a mapping off: its changes wait for the schedule', async () => {
  const s = services[0]!;
  await setRealtime(fx.db, 'CUSTOMER', false);
  await eventually('leadership to be released', async () => s.led().length === 0);
  const since = new Date();
  await fx.db.query("UPDATE erp.customers SET city = 'Harstad' WHERE number = 'R00004'");
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await realtimeJobs('ToIntegrationTable', since), 0);
  assert.notEqual((await accountOf('R00004')).row.address1_city, 'Harstad');
  await setRealtime(fx.db, 'CUSTOMER', null);
  // Back on (the default for master data): the change made meanwhile is picked up at once.
  await eventually(
    'the waiting change',
    async () => (await accountOf('R00004')).row.address1_city === 'Harstad',
  );
});

test('throttling slows the polling down and nothing is lost', async () => {
  const { id } = await accountOf('R00005');
  const before = fx.emulator.stats();
  const edited = await fx.user.update('accounts', id, { telephone1: '+47 22 00 00 05' });
  assert.ok(edited.ok);
  fx.emulator.setFaults({ rate: 1, statuses: [429], retryAfterSeconds: 1 });
  await new Promise((r) => setTimeout(r, 3000));
  const during = fx.emulator.stats();
  fx.emulator.setFaults(undefined);
  // Unthrottled, 3 s of polling every 300 ms is 10 looks; Retry-After and the back-off make it fewer.
  assert.ok(
    during.requests - before.requests <= 9,
    `${during.requests - before.requests} requests`,
  );
  await eventually('the change made before the throttling', async () => {
    const r = await fx.db.query<{ phone_number: string }>(
      "SELECT phone_number FROM erp.customers WHERE number = 'R00005'",
    );
    return r.rows[0]?.phone_number === '+47 22 00 00 05';
  });
  const metrics = await registry.getSingleMetricAsString('kobling_crm_throttled_seconds_total');
  const throttled = Number(/kobling_crm_throttled_seconds_total (\S+)/.exec(metrics)?.[1] ?? 0);
  assert.ok(during.faults > before.faults || throttled > 0, 'the CRM throttled the polling');
});

test('a change outside the mapping filter wakes a run that handles nothing: it is not kept in the synchronization log', async () => {
  const s = services.find((x) => x.led().includes('CUSTOMER')) ?? (await start());
  await eventually('leadership of CUSTOMER', async () => s.led().includes('CUSTOMER'));
  const runs = async () =>
    (await realtimeRuns.get()).values
      .filter((v) => v.labels.mapping === 'CUSTOMER' && v.labels.direction === 'ToIntegrationTable')
      .reduce((n, v) => n + v.value, 0);
  const before = await runs();
  const since = new Date();
  await fx.db.query(
    "INSERT INTO erp.customers (number, display_name, city, blocked) VALUES ('RX0001', 'Blocked customer', 'Oslo', 'All')",
  );
  await eventually('the real-time run', async () => (await runs()) > before);
  await eventually('no CUSTOMER job still running', async () => {
    const r = await fx.db.query(
      "SELECT 1 FROM integration.sync_jobs WHERE mapping_name = 'CUSTOMER' AND status = 'running'",
    );
    return r.rowCount === 0;
  });
  assert.equal(await realtimeJobs('ToIntegrationTable', since), 0, 'no empty job in the log');
  // A run that does handle a record stays.
  await fx.db.query("UPDATE erp.customers SET city = 'Tromsø' WHERE number = 'R00003'");
  await eventually(
    'the kept job',
    async () => (await realtimeJobs('ToIntegrationTable', since)) > 0,
  );
});
