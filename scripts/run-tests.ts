/**
 * `npm test`: starts one embedded PostgreSQL for the whole run (or uses KOBLING_TEST_DATABASE_URL,
 * an admin URL to any server), then runs every test file with Node's test runner. Test files get
 * the server's admin URL in KOBLING_TEST_ADMIN_URL and create their own database from it.
 *
 *   npm test                       all tests
 *   npm run test:unit              only *.unit.test.ts (no database)
 *   npm test -- test/erp           only files under a folder (or single files)
 *   npm run test:reliability       the reliability suite (test/reliability: crashes, concurrency,
 *                                  bad input); left out of a plain `npm test`, run by .ci/run
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.ts';

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const roots = args.filter((a) => !a.startsWith('--'));

// The reliability suite kills processes and runs for minutes: only when asked for by name.
const RELIABILITY = path.join('test', 'reliability');

function collect(target: string, out: string[], explicit = true): void {
  if (statSync(target).isDirectory()) {
    if (!explicit && path.normalize(target) === RELIABILITY) return;
    for (const entry of readdirSync(target).sort())
      collect(path.join(target, entry), out, explicit);
  } else if (target.endsWith('.test.ts')) {
    out.push(target);
  }
}

const files: string[] = [];
if (roots.length > 0) for (const root of roots) collect(root, files);
else collect('test', files, false);
const selected = unitOnly ? files.filter((f) => f.endsWith('.unit.test.ts')) : files;
if (selected.length === 0) {
  console.error('No test files found.');
  process.exit(1);
}

let adminUrl = process.env.KOBLING_TEST_DATABASE_URL;
let stop: (() => Promise<void>) | undefined;
let dataDir: string | undefined;
if (!unitOnly && !adminUrl) {
  // Under the system temp folder so the `postgres` user can traverse every parent folder.
  dataDir = mkdtempSync(path.join(tmpdir(), 'kobling-test-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = await startEmbeddedPostgres({ dataDir, port, database: 'kobling_test' });
  adminUrl = server.adminUrl;
  stop = server.stop;
  console.log(`test database server: embedded PostgreSQL on port ${port}`);
}

const concurrency = process.env.KOBLING_TEST_CONCURRENCY ?? '2';
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    ...selected,
  ],
  {
    stdio: 'inherit',
    env: { ...process.env, ...(adminUrl ? { KOBLING_TEST_ADMIN_URL: adminUrl } : {}) },
  },
);
const code: number = await new Promise((resolve) =>
  child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))),
);
await stop?.();
if (dataDir && existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
process.exit(code);
