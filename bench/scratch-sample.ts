import { crmPort } from '../src/integration/adapters/crm-port.ts';
import { integrationExtensions } from '../src/integration/sync-runtime.ts';
import type { EngineContext } from '../src/sync/engine/context.ts';
import { runMapping } from '../src/sync/engine/run-mapping.ts';
import { crmClientFor, startSyncFixture } from '../test/sync/sync-fixture.ts';
import { startEmulatorProcess } from './lib/emulator-process.ts';

const N = Number(process.env.N ?? 2000);
const fx = await startSyncFixture();
const db = fx.db;
const crmProcess = await startEmulatorProcess(db.url, [fx.credentials, fx.salespersonCredentials]);
const client = crmClientFor(crmProcess, fx.credentials);
const crm0 = crmPort(client);
const t0 = { v: 0 };
const at = (s: string) => console.log(((performance.now() - t0.v)).toFixed(0).padStart(5), s);
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => { at(`→ ${init?.method ?? 'GET'} ${String(input).replace(/.*v9.2\//, '').slice(0, 60)}`); const r = await realFetch(input, init); at(`← ${r.status} ${String(input).replace(/.*v9.2\//, '').slice(0, 40)}`); return r; };
const ctx: EngineContext = { ...fx.ctx, crm: crm0, extensions: integrationExtensions(db, crm0) };
for (const round of [1, 2]) {
  await db.query(
    `INSERT INTO erp.customers (number, display_name, address_line1, city, postal_code, email, phone_number, credit_limit)
     SELECT $2 || lpad(g::text, 7, '0'), 'Customer ' || g, g || ' Main Street', 'Oslo', '0150', 'c' || g || '@bench.example', '+47 ' || g, 1000 + g % 100
     FROM generate_series(1, $1) g`, [N, `R${round}`]);
  await crmProcess.setLatency(Number(process.env.LAT ?? 50));
  t0.v = performance.now();
  const [report] = await runMapping(ctx, fx.mapping('CUSTOMER'), { only: 'ToIntegrationTable', trigger: 'benchmark', ignoreOnlyCoupled: true });
  at(`done ${report?.counters.inserted}`);
}
await crmProcess.stop();
await fx.close();
