/**
 * Creates 50,000 accounts in the CRM emulator through `$batch` (1,000 operations per batch, in one
 * change set each) over real HTTP, and prints records/s and peak memory (RSS).
 *   npm run bench -- crm
 */
import { randomUUID } from 'node:crypto';
import { startCrmEmulator } from '../src/crm-emulator/server.ts';
import { createLogger } from '../src/shared/logger.ts';
import { crmToken } from '../test/helpers/crm-emulator.ts';
import { createMigratedDb } from '../test/helpers/database.ts';

const TOTAL = Number(process.env.BENCH_RECORDS ?? 50_000);
const PER_BATCH = 1000;

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

const db = await createMigratedDb('bench_crm');
const clientId = randomUUID();
const clientSecret = randomUUID();
const emulator = await startCrmEmulator({
  db,
  port: 0,
  logger: createLogger('warn'),
  clients: [{ clientId, clientSecret }],
});
const token = await crmToken(emulator, clientId, clientSecret);

function batchOf(start: number, n: number): { body: string; boundary: string } {
  const boundary = `batch_${randomUUID()}`;
  const cs = `changeset_${randomUUID()}`;
  const lines = [`--${boundary}`, `Content-Type: multipart/mixed; boundary=${cs}`, ''];
  for (let i = 0; i < n; i++) {
    const k = start + i;
    lines.push(
      `--${cs}`,
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      `Content-ID: ${i + 1}`,
      '',
      `POST ${emulator.apiUrl}accounts HTTP/1.1`,
      'Content-Type: application/json',
      '',
      JSON.stringify({
        name: `Bench Account ${k}`,
        accountnumber: `B${String(k).padStart(6, '0')}`,
        telephone1: '+1 555 0100',
        address1_city: 'Seattle',
        creditlimit: 10000 + (k % 100),
      }),
    );
  }
  lines.push(`--${cs}--`, `--${boundary}--`, '');
  return { body: lines.join('\n'), boundary };
}

const started = performance.now();
for (let start = 0; start < TOTAL; start += PER_BATCH) {
  const { body, boundary } = batchOf(start, Math.min(PER_BATCH, TOTAL - start));
  const res = await fetch(`${emulator.apiUrl}$batch`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': `multipart/mixed; boundary=${boundary}`,
      'odata-version': '4.0',
    },
    body,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`batch failed: ${res.status} ${text.slice(0, 500)}`);
}
const seconds = (performance.now() - started) / 1000;
const count = await db.query<{ n: number }>(
  "SELECT count(*)::int AS n FROM crm.records WHERE entity = 'account'",
);
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
console.log(`accounts created:   ${count.rows[0]?.n} (${TOTAL / PER_BATCH} batches of ${PER_BATCH})`);
console.log(`elapsed:            ${seconds.toFixed(2)} s`);
console.log(`throughput:         ${Math.round(TOTAL / seconds)} records/s`);
console.log(`peak RSS:           ${Math.round(peakRss / 1024 / 1024)} MB (emulator and client in one process)`);
await emulator.stop();
await db.drop();
if (count.rows[0]?.n !== TOTAL) {
  console.error('not every account was created');
  process.exit(1);
}
