/**
 * The first day of an installation: a full synchronization of N customers, N/2 contact persons and
 * N/10 items with prices in the ERP, and N/10 accounts only in the CRM, through the whole stack
 * (ERP adapter → engine → connector → CRM emulator over HTTP), each mapping in dependency order as
 * a full synchronization line runs it (watermarks cleared, coupled or not), with the emulator-alone
 * ceiling measured right after the customer line (the engine's own customer `$batch` bodies posted
 * straight to it). Then, in the same run: an incremental run and a 2,000-record sample against a
 * one-request-per-record baseline (each record its own POST, as Business Central sends them)
 * without and with 50 ms of emulator latency (the engine's side three times, the median shown).
 * The CRM emulator runs in a process of its own (bench/lib/emulator-process.ts), as a real CRM is
 * another system; each pass also shows the CPU seconds the engine's process, the emulator's and
 * PostgreSQL spent on it, which tells where a 2-core machine's time goes.
 *   npm run bench -- full-sync [--scale 100000] [--sample 2000] [--latency 50]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { clientCredentialsProvider } from '../src/dataverse/index.ts';
import { crmPort } from '../src/integration/adapters/crm-port.ts';
import { freshenLineStatistics } from '../src/integration/full-sync/line-statistics.ts';
import { integrationExtensions } from '../src/integration/sync-runtime.ts';
import type { EngineContext } from '../src/sync/engine/context.ts';
import { runMapping } from '../src/sync/engine/run-mapping.ts';
import { DEFAULT_CHUNKS_IN_FLIGHT } from '../src/sync/engine/to-crm-pass.ts';
import {
  dependenciesOf,
  type JobCounters,
  type PassDirection,
  type TableMapping,
} from '../src/sync/model.ts';
import { crmClientFor } from '../test/helpers/crm-client.ts';
import { startSyncFixture } from '../test/sync/sync-fixture.ts';
import { postgresCpuSeconds, postmasterOf, startEmulatorProcess } from './lib/emulator-process.ts';
import { seedFullSync } from './lib/full-sync-seed.ts';

const option = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = option('scale', 100_000);
const SAMPLE = option('sample', 2000);
const LATENCY = option('latency', 50);
const CRM_ONLY = Math.floor(N / 10);
const ITEMS = Math.floor(N / 10);

// Peak RSS of this process (engine, connector and the benchmark; the CRM emulator runs in its own), and per phase.
let peakRss = 0;
let phasePeak = 0;
const sample = () => {
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  phasePeak = Math.max(phasePeak, rss);
};
const sampler = setInterval(sample, 50);
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

// The engine's customer `$batch` bodies, written to disk as they go out (the ceiling replays them).
const spool = mkdtempSync(path.join(tmpdir(), 'kobling-full-sync-'));
let capture: string[] | undefined;
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  if (capture && init?.method === 'POST' && String(input).endsWith('$batch')) {
    const headers = init.headers as Record<string, string>;
    const file = path.join(spool, `${capture.length}.batch`);
    writeFileSync(file, `${headers['Content-Type'] ?? headers['content-type']}\n${init.body}`);
    capture.push(file);
  }
  return realFetch(input, init);
};

const fx = await startSyncFixture();
const db = fx.db;
// The CRM emulator in a process of its own over the same database, as a real CRM is another system:
// the engine's event loop does not also serve the CRM, and each process's memory is its own.
const crmProcess = await startEmulatorProcess(db.url, [fx.credentials, { ...fx.salespersonCredentials }]);
const client = crmClientFor(crmProcess, fx.credentials);
const user = crmClientFor(crmProcess, fx.salespersonCredentials);
// A bearer token of its own for the ceiling, which posts the `$batch` bodies without the client.
const tokens = clientCredentialsProvider({
  tokenUrl: crmProcess.tokenUrl,
  clientId: fx.credentials.clientId,
  clientSecret: fx.credentials.clientSecret,
  scope: `${crmProcess.baseUrl}/.default`,
});
async function token(): Promise<string> {
  const t = await tokens.getToken();
  if (!t.ok) throw new Error(`no token for the ceiling: ${t.error.message}`);
  return t.value;
}
const crm = crmPort(client);
const ctx: EngineContext = { ...fx.ctx, crm, extensions: integrationExtensions(db, crm) };
const crmRequests = async () => (await crmProcess.stats()).requests;
const postmaster = postmasterOf((await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
const cpuNow = async () => {
  const own = process.cpuUsage();
  return [(own.user + own.system) / 1e6, (await crmProcess.stats()).cpuSeconds, postgresCpuSeconds(postmaster)] as const;
};
const seed = () => seedFullSync(db, user, { customers: N, items: ITEMS, crmOnly: CRM_ONLY });

interface Row {
  readonly label: string;
  readonly records: number;
  readonly seconds: number;
  readonly requests: number;
  readonly peak: number;
  readonly failed: number;
  /** CPU seconds spent by the engine's process, the emulator's and PostgreSQL's (when measured). */
  readonly cpu?: readonly [number, number, number];
}
const rows: Row[] = [];

/** Rows added up (records, time, requests, CPU; the highest peak). */
const sumRows = (label: string, of: readonly Row[]): Row => ({
  label,
  records: of.reduce((n, r) => n + r.records, 0),
  seconds: of.reduce((n, r) => n + r.seconds, 0),
  requests: of.reduce((n, r) => n + r.requests, 0),
  peak: Math.max(...of.map((r) => r.peak)),
  failed: of.reduce((n, r) => n + r.failed, 0),
  cpu: [0, 1, 2].map((i) => of.reduce((n, r) => n + (r.cpu?.[i] ?? 0), 0)) as unknown as [number, number, number],
});

const c = (k: JobCounters) => k.inserted + k.modified + k.unchanged + k.skipped + k.failed;

/**
 * Runs one pass of a mapping and measures it; `asLine`: as a full synchronization line runs it,
 * with what the line does first.
 */
async function measurePass(
  label: string,
  m: TableMapping,
  only: PassDirection,
  full: boolean,
  asLine = false,
) {
  const before = await crmRequests();
  const cpuBefore = await cpuNow();
  phasePeak = process.memoryUsage().rss;
  const started = performance.now();
  // What a line does before its passes (full-sync-job.ts): nothing here, the seed was analyzed.
  if (asLine) await freshenLineStatistics(db, m);
  const [report] = await runMapping(ctx, m, {
    only,
    trigger: 'benchmark',
    ...(full ? { ignoreOnlyCoupled: true } : {}),
  });
  sample();
  const row: Row = {
    label,
    // Records handled (written, found unchanged, skipped or failed); echoes dropped unread do not count.
    records: report ? c(report.counters) : 0,
    seconds: (performance.now() - started) / 1000,
    requests: (await crmRequests()) - before,
    peak: phasePeak,
    failed: report?.counters.failed ?? 0,
    cpu: (await cpuNow()).map((x, i) => x - cpuBefore[i]!) as unknown as [number, number, number],
  };
  if (report?.status === 'failed') throw new Error(`${label}: ${report.message}`);
  return row;
}

/** The mappings in dependency order (parents first), as the full synchronization starts them. */
function dependencyOrder(all: TableMapping[]): TableMapping[] {
  const byName = new Map(all.map((m) => [m.name, m]));
  const out: TableMapping[] = [];
  const seen = new Set<string>();
  const visit = (m: TableMapping) => {
    if (seen.has(m.name)) return;
    seen.add(m.name);
    for (const p of dependenciesOf(m)) if (byName.has(p)) visit(byName.get(p)!);
    out.push(m);
  };
  for (const m of all) visit(m);
  return out;
}

const arrow = (p: PassDirection) => (p === 'ToIntegrationTable' ? 'ERP → CRM' : 'CRM → ERP');
const passesOf = (m: TableMapping): PassDirection[] =>
  m.direction === 'Bidirectional' ? ['ToIntegrationTable', 'FromIntegrationTable'] : [m.direction];

console.log(`seeding: ${N} customers, ${Math.floor(N / 2)} contact persons, ${ITEMS} items with prices, ${CRM_ONLY} CRM-only accounts…`);
await seed();
// Both systems as they are on a first day: their data loaded long before, its statistics taken by
// autovacuum (a line takes them itself when a bulk load made them stale, line-statistics.ts).
await db.query('ANALYZE');
await db.query('UPDATE integration.table_mappings SET erp_watermark = NULL, crm_watermark = NULL');

// The ceiling, measured right after the engine's customer line (under the same load on the
// machine: its speed moves from one minute to the next, more than the line does): the engine's
// customer batches posted straight to the emulator with fresh ids (the accounts they created exist
// already), one after the other and as many in flight as the engine sends; the faster is the
// ceiling. Read as sent (holding them all would weigh on this process's memory). The replayed
// accounts are removed from the emulator's table afterwards, so that the passes after it (the
// CRM → ERP pass reads every account) meet the same CRM as without the replay.
const REPLAYS = ['ceceecee', 'cdcddcdd'] as const;
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const readBatch = (file: string) => {
  const text = readFileSync(file, 'utf8');
  const newline = text.indexOf('\n');
  return { contentType: text.slice(0, newline), body: text.slice(newline + 1) };
};
let ceilingRecords = 0;
async function replay(prefix: string, inFlight: number): Promise<number> {
  const bearer = `Bearer ${await token()}`;
  const started = performance.now();
  let next = 0;
  let records = 0;
  const sender = async () => {
    while (next < customerBatches.length) {
      const { contentType, body } = readBatch(customerBatches[next++]!);
      records += body.match(/^(POST|PATCH) /gm)?.length ?? 0;
      const res = await realFetch(`${crmProcess.apiUrl}$batch`, {
        method: 'POST',
        headers: { authorization: bearer, 'content-type': contentType, 'odata-version': '4.0' },
        body: body
          .replace(/"accountid":"[0-9a-f]{8}/g, `"accountid":"${prefix}`)
          .replace(/accounts\(([0-9a-f]{8})/g, `accounts(${prefix}`),
      });
      await res.text();
      if (res.status !== 200) throw new Error(`ceiling batch refused: ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, sender));
  ceilingRecords = records;
  return (performance.now() - started) / 1000;
}
let ceilingSequential = 0;
let ceilingInFlight = 0;
let ceilingCpu: number[] = [0, 0, 0];
async function measureCeiling(): Promise<void> {
  const cpuBefore = await cpuNow();
  ceilingSequential = await replay(REPLAYS[0], 1);
  ceilingInFlight = await replay(REPLAYS[1], DEFAULT_CHUNKS_IN_FLIGHT);
  ceilingCpu = (await cpuNow()).map((x, i) => (x - cpuBefore[i]!) / 2);
  await db.query(
    `DELETE FROM crm.records WHERE entity = 'account' AND (id::text LIKE $1 OR id::text LIKE $2)`,
    REPLAYS.map((p) => `${p}%`),
  );
  await db.query('VACUUM (ANALYZE) crm.records');
  rmSync(spool, { recursive: true, force: true });
  // The replay's strings are the benchmark's, not the engine's: collected before the next pass, so
  // that the peak RSS of the passes after it is the engine's own.
  collectGarbage();
}

// 1. The full synchronization, mapping by mapping.
const fullStarted = performance.now();
const fullRequests = await crmRequests();
// The ceiling's time and requests, measured inside the loop, are not the full synchronization's.
let ceilingAside = { seconds: 0, requests: 0 };
let customerBatches: string[] = [];
for (const m of dependencyOrder([...ctx.mappings.values()])) {
  for (const pass of passesOf(m)) {
    capture = m.name === 'CUSTOMER' && pass === 'ToIntegrationTable' ? [] : undefined;
    const row = await measurePass(`${m.name} ${arrow(pass)}`, m, pass, true, true);
    if (row.records > 0 || row.failed > 0) rows.push(row);
    if (capture) {
      customerBatches = capture;
      capture = undefined;
      const [started, requests] = [performance.now(), await crmRequests()];
      await measureCeiling();
      ceilingAside = {
        seconds: (performance.now() - started) / 1000,
        requests: (await crmRequests()) - requests,
      };
    }
  }
}
const fullSeconds = (performance.now() - fullStarted) / 1000 - ceilingAside.seconds;
const full = rows.slice();
const total: Row = {
  ...sumRows('**full synchronization, total**', full),
  seconds: fullSeconds,
  requests: (await crmRequests()) - fullRequests - ceilingAside.requests,
};

// 2. Incremental: a tenth of the customers changed in the ERP, a hundredth of the accounts
// changed by a salesperson.
const customer = fx.mapping('CUSTOMER');
await db.query(`UPDATE erp.customers SET city = 'Trondheim' WHERE number <= 'C' || lpad($1::text, 7, '0')`, [
  Math.floor(N / 10),
]);
const incremental = [await measurePass('CUSTOMER ERP → CRM, incremental (N/10 changed)', customer, 'ToIntegrationTable', false)];
const changed = await db.query<{ crm_id: string }>(
  `SELECT crm_id FROM integration.couplings WHERE mapping_name = 'CUSTOMER' ORDER BY crm_id LIMIT $1`,
  [Math.floor(N / 100)],
);
for (let i = 0; i < changed.rows.length; i += 1000) {
  const r = await user.executeBatch(
    changed.rows.slice(i, i + 1000).map((c, k) => ({
      kind: 'update' as const,
      entitySet: 'accounts',
      id: c.crm_id,
      patch: { telephone1: `+47 9${i + k}` },
      changeSet: `cs${Math.floor(k / 100)}`,
    })),
  );
  if (r.some((x) => !x.ok)) throw new Error('editing CRM accounts failed');
}
incremental.push(await measurePass('CUSTOMER CRM → ERP, incremental (N/100 changed)', customer, 'FromIntegrationTable', false));
// A scheduled run of the mapping is both passes: the change list the CRM → ERP pass reads also
// holds the ERP → CRM pass's own writes (echoes, dropped unread), so the run is the fair unit.
incremental.push(sumRows('CUSTOMER incremental run, both passes', incremental));

// 4. The sample: the engine against one request per record, without and with latency.
let sampleNo = 0;
async function engineSample(latencyMs: number): Promise<Row> {
  const prefix = `S${++sampleNo}`;
  await db.query(
    `INSERT INTO erp.customers (number, display_name, address_line1, city, postal_code, email, phone_number, credit_limit)
     SELECT $2 || lpad(g::text, 6, '0'), 'Sample ' || g, g || ' Side Street', 'Oslo', '0150',
            's' || g || '@bench.example', '+47 ' || g, 500 FROM generate_series(1, $1) g`,
    [SAMPLE, prefix],
  );
  await crmProcess.setLatency(latencyMs);
  const row = await measurePass(`engine, ${latencyMs} ms latency`, customer, 'ToIntegrationTable', true);
  await crmProcess.setLatency(0);
  return row;
}
async function oneByOne(latencyMs: number): Promise<Row> {
  await crmProcess.setLatency(latencyMs);
  const before = await crmRequests();
  const started = performance.now();
  let failed = 0;
  for (let g = 1; g <= SAMPLE; g++) {
    const r = await client.create(
      'accounts',
      {
        name: `Baseline ${g}`,
        address1_line1: `${g} Side Street`,
        address1_city: 'Oslo',
        address1_postalcode: '0150',
        emailaddress1: `b${g}@bench.example`,
        telephone1: `+47 ${g}`,
        creditlimit: 500,
        customertypecode: 3,
      },
      { id: randomUUID() },
    );
    if (!r.ok) failed++;
  }
  const row: Row = {
    label: `one request per record, ${latencyMs} ms latency`,
    records: SAMPLE,
    seconds: (performance.now() - started) / 1000,
    requests: (await crmRequests()) - before,
    peak: process.memoryUsage().rss,
    failed,
  };
  await crmProcess.setLatency(0);
  return row;
}
/**
 * The engine's sample, run three times on fresh customers: the run of median time, and the times of
 * all three. Half a second is shorter than the machine's own swings (the same sample took 0.45 to
 * 0.65 s back to back); the one-by-one baseline averages them over its minutes by itself.
 */
async function engineMedian(latencyMs: number): Promise<Row & { runs: number[] }> {
  const runs: Row[] = [];
  for (let i = 0; i < 3; i++) runs.push(await engineSample(latencyMs));
  const median = [...runs].sort((a, b) => a.seconds - b.seconds)[1]!;
  return { ...median, runs: runs.map((r) => r.seconds) };
}
const samples = [
  [await engineMedian(0), await oneByOne(0)],
  [await engineMedian(LATENCY), await oneByOne(LATENCY)],
] as const;

// The table.
const rate = (r: Row) => Math.round(r.records / r.seconds);
const per1000 = (r: Row) => ((r.requests / Math.max(1, r.records)) * 1000).toFixed(1);
const cpu = (r: Row) => (r.cpu ? r.cpu.map((x) => x.toFixed(1)).join(' / ') : '—');
const line = (r: Row) =>
  `| ${r.label} | ${r.records.toLocaleString('en')} | ${r.seconds.toFixed(1)} | ${rate(r).toLocaleString('en')} | ${per1000(r)} | ${mb(r.peak)} | ${cpu(r)} | ${r.failed} |`;
const customerRow = full.find((r) => r.label === 'CUSTOMER ERP → CRM');
const ceilingRate = Math.round(ceilingRecords / Math.min(ceilingSequential, ceilingInFlight));
console.log(`\nFull synchronization at scale ${N.toLocaleString('en')} (${new Date().toISOString().slice(0, 10)})\n`);
console.log('| run | records | s | records/s | requests per 1,000 | peak RSS MB | CPU s engine / CRM / PostgreSQL | failed |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of [...full, total, ...incremental]) console.log(line(r));
const sequentialRate = Math.round(ceilingRecords / ceilingSequential);
const inFlightRate = Math.round(ceilingRecords / ceilingInFlight);
console.log(
  `\nEmulator alone (the ${customerBatches.length} customer \`$batch\` bodies of the full sync posted straight to it, ${ceilingRecords.toLocaleString('en')} records): ` +
    `${sequentialRate.toLocaleString('en')} records/s one after the other, ${inFlightRate.toLocaleString('en')} records/s ${DEFAULT_CHUNKS_IN_FLIGHT} in flight; ` +
    `the engine's CUSTOMER ERP → CRM reaches ${customerRow ? Math.round((rate(customerRow) / ceilingRate) * 100) : '—'} % of the faster. ` +
    `CPU s per replay: sender ${ceilingCpu[0]!.toFixed(1)}, CRM ${ceilingCpu[1]!.toFixed(1)}, PostgreSQL ${ceilingCpu[2]!.toFixed(1)}.`,
);
// On a machine whose cores also run the CRM, a line cannot take less time than its CPU seconds
// spread over every core: the most it could reach of the ceiling on this machine.
if (customerRow?.cpu) {
  const cores = availableParallelism();
  const cpuTotal = customerRow.cpu.reduce((a, b) => a + b, 0);
  const bound = Math.min(100, Math.round((customerRow.records / (cpuTotal / cores) / ceilingRate) * 100));
  console.log(
    `The customer line spent ${cpuTotal.toFixed(1)} CPU s (engine ${customerRow.cpu[0].toFixed(1)}, CRM ${customerRow.cpu[1].toFixed(1)}, ` +
      `PostgreSQL ${customerRow.cpu[2].toFixed(1)}); on ${cores} cores shared with the CRM it could reach at most ${bound} % of the ceiling.`,
  );
}
console.log(`\nSample of ${SAMPLE.toLocaleString('en')} customers, side by side\n`);
console.log('| latency | engine records/s (median of 3) | engine s, the 3 runs | engine requests | one-by-one records/s | one-by-one requests | speed-up |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const [engine, single] of samples) {
  console.log(
    `| ${engine.label.replace('engine, ', '').replace(' latency', '')} | ${rate(engine).toLocaleString('en')} | ` +
      `${engine.runs.map((x) => x.toFixed(2)).join(' / ')} | ${engine.requests} | ` +
      `${rate(single).toLocaleString('en')} | ${single.requests} | ${(single.seconds / engine.seconds).toFixed(0)}× |`,
  );
}
const emulatorStats = await crmProcess.stats();
const engineRows = [...full, ...incremental, ...samples.map(([engine]) => engine)];
console.log(
  `\npeak RSS of the engine's process while the engine ran (every pass above): ${mb(Math.max(...engineRows.map((r) => r.peak)))} MB; ` +
    `over the whole run (seeding and the one-by-one baseline included) ${mb(peakRss)} MB; ` +
    `the CRM emulator's own process ${mb(emulatorStats.peakRss)} MB`,
);
clearInterval(sampler);
if (total.failed > 0) process.exitCode = 1;
await crmProcess.stop();
await fx.close();
