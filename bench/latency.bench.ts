/**
 * Propagation latency, each way: edits at a steady rate on both sides for a while (ERP customers
 * through SQL as a user would change them, CRM accounts through the emulator as a salesperson),
 * then the time until each edit shows on the other side, p50/p95/p99 — first with the real-time
 * path on, then with it off (the scheduler's best case: a run every minute).
 *   npm run bench -- latency     (BENCH_SECONDS=60 editing time per mode, BENCH_RATE=2 edits/s each way)
 */
import { startRealtime } from '../src/integration/realtime/realtime-service.ts';
import { systemClock } from '../src/shared/clock.ts';
import { createLogger } from '../src/shared/logger.ts';
import { runMapping } from '../src/sync/engine/run-mapping.ts';
import { testConfig } from '../test/helpers/server.ts';
import { startSyncFixture } from '../test/sync/sync-fixture.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const RATE = Number(process.env.BENCH_RATE ?? 2);
const SCHEDULE_SECONDS = 60;
// Every edit gets a record of its own, so no edit is overwritten before it arrives.
const CUSTOMERS = 2 * SECONDS * RATE + 20;

const fx = await startSyncFixture();
const deps = {
  db: fx.db,
  config: testConfig({ KOBLING_SECRET_KEY: 'b'.repeat(40) }),
  logger: createLogger('silent'),
  clock: systemClock,
};
await fx.connect(deps.config);
await fx.setMapping({ ...fx.mapping('CUSTOMER'), syncOnlyCoupled: false });
await fx.db.query('UPDATE integration.table_mappings SET realtime = (name = $1)', ['CUSTOMER']);
await fx.db.query(
  `INSERT INTO erp.customers (number, display_name, city)
   SELECT 'L' || lpad(g::text, 5, '0'), 'Latency customer ' || g, 'Oslo' FROM generate_series(1, $1) g`,
  [CUSTOMERS],
);
await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
const pairs = (
  await fx.db.query<{ number: string; crm_id: string }>(
    `SELECT c.number, k.crm_id FROM integration.couplings k JOIN erp.customers c ON c.id = k.erp_id
      WHERE k.mapping_name = 'CUSTOMER' ORDER BY c.number`,
  )
).rows;

interface Edit {
  readonly at: number;
  readonly key: string;
  readonly value: string;
  arrived?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) =>
  xs.length === 0 ? Number.NaN : xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function measure(label: string): Promise<string[]> {
  const toCrm: Edit[] = [];
  const toErp: Edit[] = [];
  let seq = 0;
  const end = Date.now() + SECONDS * 1000;
  const interval = 1000 / RATE;
  // ERP edits (a user changing the city) and CRM edits (a salesperson changing the phone number),
  // each on its own record so the two directions never conflict.
  const erpEditor = (async () => {
    while (Date.now() < end) {
      const p = pairs[(seq++ * 2) % pairs.length]!;
      const value = `${label} ${seq}`;
      await fx.db.query('UPDATE erp.customers SET city = $1 WHERE number = $2', [value, p.number]);
      toCrm.push({ at: Date.now(), key: p.crm_id, value });
      await sleep(interval);
    }
  })();
  const crmEditor = (async () => {
    let n = 0;
    while (Date.now() < end) {
      const p = pairs[(n++ * 2 + 1) % pairs.length]!;
      const value = `+47 ${label === 'real-time on' ? 1 : 2}${String(n).padStart(6, '0')}`;
      const at = Date.now();
      const r = await fx.user.update('accounts', p.crm_id, { telephone1: value });
      if (r.ok) toErp.push({ at, key: p.number, value });
      await sleep(interval);
    }
  })();
  // Arrival is read from both stores directly, so watching adds no load on the paths measured.
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const now = Date.now();
      const open = toCrm.filter((e) => !e.arrived);
      if (open.length) {
        const r = await fx.db.query<{ id: string; city: string }>(
          `SELECT id, data->>'address1_city' AS city FROM crm.records WHERE entity = 'account' AND id = ANY($1::uuid[])`,
          [open.map((e) => e.key)],
        );
        const city = new Map(r.rows.map((x) => [x.id, x.city]));
        for (const e of open) if (city.get(e.key) === e.value) e.arrived = now;
      }
      const openErp = toErp.filter((e) => !e.arrived);
      if (openErp.length) {
        const r = await fx.db.query<{ number: string; phone_number: string }>(
          'SELECT number, phone_number FROM erp.customers WHERE number = ANY($1)',
          [openErp.map((e) => e.key)],
        );
        const phone = new Map(r.rows.map((x) => [x.number, x.phone_number]));
        for (const e of openErp) if (phone.get(e.key) === e.value) e.arrived = now;
      }
      await sleep(25);
    }
  })();
  await Promise.all([erpEditor, crmEditor]);
  const deadline = Date.now() + 3 * SCHEDULE_SECONDS * 1000;
  while ([...toCrm, ...toErp].some((e) => !e.arrived) && Date.now() < deadline) await sleep(100);
  watching = false;
  await watcher;
  const row = (name: string, edits: Edit[]) => {
    const done = edits.filter((e) => e.arrived).map((e) => (e.arrived! - e.at) / 1000);
    done.sort((a, b) => a - b);
    const f = (x: number) => (Number.isNaN(x) ? '   -' : x.toFixed(2).padStart(6));
    return `${label.padEnd(14)} ${name.padEnd(10)} ${String(edits.length).padStart(6)} ${String(done.length).padStart(8)} ${f(pct(done, 50))} s ${f(pct(done, 95))} s ${f(pct(done, 99))} s`;
  };
  return [row('ERP → CRM', toCrm), row('CRM → ERP', toErp)];
}

const lines: string[] = [];
const realtime = await startRealtime(deps);
await sleep(500);
lines.push(...(await measure('real-time on')));
await realtime.stop();

// Real-time off: the best the scheduler does (a run of the mapping every minute, its minimum).
let scheduling = true;
const scheduler = (async () => {
  while (scheduling) {
    const started = Date.now();
    await runMapping(fx.ctx, fx.mapping('CUSTOMER'), { trigger: 'schedule' });
    while (scheduling && Date.now() - started < SCHEDULE_SECONDS * 1000) await sleep(100);
  }
})();
lines.push(...(await measure('real-time off')));
scheduling = false;
await scheduler;

console.log(
  `\nPropagation latency, ${SECONDS} s of edits at ${RATE}/s each way (${CUSTOMERS} coupled customers):`,
);
console.log(`${'mode'.padEnd(14)} ${'direction'.padEnd(10)}  edits  arrived    p50      p95      p99`);
for (const l of lines) console.log(l);
await fx.close();
