/**
 * Full and incremental synchronization of ERP customers to the CRM emulator through the whole
 * stack (ERP adapter → engine → connector → emulator over HTTP), printing records/s, HTTP requests
 * per 1,000 records and peak memory.
 *   npm run bench -- sync            (BENCH_RECORDS=10000 by default)
 */
import { runMapping } from '../src/sync/engine/run-mapping.ts';
import { startSyncFixture } from '../test/sync/sync-fixture.ts';

const TOTAL = Number(process.env.BENCH_RECORDS ?? 10_000);
const CHANGED = Math.ceil(TOTAL / 10);

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

const fx = await startSyncFixture();
await fx.setMapping({ ...fx.mapping('CUSTOMER'), syncOnlyCoupled: false });
await fx.db.query(
  `INSERT INTO erp.customers (number, display_name, address_line1, city, postal_code, email, phone_number)
   SELECT 'B' || lpad(g::text, 7, '0'), 'Bench customer ' || g, g || ' Main Street', 'Oslo', '0150',
          'c' || g || '@bench.example', '+47 ' || g
   FROM generate_series(1, $1) g`,
  [TOTAL],
);

const measure = async (label: string, records: number) => {
  const before = fx.emulator.stats().requests;
  const started = performance.now();
  const reports = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  const seconds = (performance.now() - started) / 1000;
  const requests = fx.emulator.stats().requests - before;
  const c = reports[0]!.counters;
  console.log(
    `${label.padEnd(28)} ${records} records in ${seconds.toFixed(1)} s = ${Math.round(records / seconds)} records/s; ` +
      `${requests} HTTP requests (${((requests / records) * 1000).toFixed(1)} per 1,000 records); ` +
      `inserted ${c.inserted}, modified ${c.modified}, failed ${c.failed}`,
  );
  if (c.failed > 0) process.exitCode = 1;
};

await measure('full sync ERP → CRM', TOTAL);
await fx.db.query(`UPDATE erp.customers SET city = 'Bergen' WHERE number <= 'B' || lpad($1::text, 7, '0')`, [CHANGED]);
await measure('incremental ERP → CRM', CHANGED);
await measure('nothing changed', TOTAL);

clearInterval(sampler);
console.log(`peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MB (engine, connector and emulator in one process)`);
await fx.close();
