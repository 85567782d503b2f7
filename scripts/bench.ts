/**
 * `npm run bench`: runs every benchmark in `bench/` (or the ones named: `npm run bench -- crm`),
 * each in its own process so peak memory is per benchmark. Benchmarks print their own figures.
 * Options (`--scale 10000`) are handed to every selected benchmark.
 * Like the tests, they get one embedded PostgreSQL (or KOBLING_TEST_DATABASE_URL) through
 * KOBLING_TEST_ADMIN_URL and create their own database on it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.ts';

const args = process.argv.slice(2);
const optionAt = args.flatMap((a, i) => (a.startsWith('--') ? [i, i + 1] : []));
const options = args.filter((_, i) => optionAt.includes(i));
const filters = args.filter((_, i) => !optionAt.includes(i));
const all = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const selected = filters.length ? all.filter((f) => filters.some((x) => f.includes(x))) : all;
if (selected.length === 0) {
  console.error(
    `No benchmark matches ${filters.join(', ') || '(none in bench/)'}; available: ${all.join(', ')}`,
  );
  process.exit(1);
}

let adminUrl = process.env.KOBLING_TEST_DATABASE_URL;
let stop: (() => Promise<void>) | undefined;
let dataDir: string | undefined;
if (!adminUrl) {
  dataDir = mkdtempSync(path.join(tmpdir(), 'kobling-bench-'));
  const server = await startEmbeddedPostgres({
    dataDir,
    port: 20000 + Math.floor(Math.random() * 20000),
  });
  adminUrl = server.adminUrl;
  stop = server.stop;
}
let failed = 0;
for (const file of selected) {
  console.log(`\n=== ${file} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join('bench', file), ...options], {
    stdio: 'inherit',
    env: { ...process.env, KOBLING_TEST_ADMIN_URL: adminUrl },
  });
  if (r.status !== 0) failed++;
}
await stop?.();
if (dataDir) rmSync(dataDir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
