import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { freePort, spawnKobling } from '../helpers/cli.ts';

// Debian's PostgreSQL 15 server: proves both that DATABASE_URL works with any server and that our
// SQL runs on PostgreSQL 15 as well as on the embedded 18.
const BIN = '/usr/lib/postgresql/15/bin';
const available = existsSync(path.join(BIN, 'initdb'));
const asRoot = process.getuid?.() === 0;
const dir = mkdtempSync(path.join(tmpdir(), 'kobling-pg15-'));
let started = false;

function run(cmd: string, args: string[]): string {
  const full = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  return execFileSync(full[0] as string, full[1] as string[], { encoding: 'utf8', stdio: 'pipe' });
}

after(() => {
  if (started)
    run(path.join(BIN, 'pg_ctl'), ['-D', path.join(dir, 'data'), '-m', 'fast', '-w', 'stop']);
  rmSync(dir, { recursive: true, force: true });
});

test('`kobling start` with DATABASE_URL on a PostgreSQL 15 server', {
  skip: !available && 'PostgreSQL 15 is not installed',
}, async () => {
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), 0);
  const pgPort = await freePort();
  const data = path.join(dir, 'data');
  run(path.join(BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  run(path.join(BIN, 'pg_ctl'), [
    '-D',
    data,
    '-w',
    '-l',
    path.join(dir, 'log'),
    '-o',
    `-p ${pgPort} -k ${dir} -c listen_addresses=127.0.0.1`,
    'start',
  ]);
  started = true;
  run(path.join(BIN, 'createdb'), [
    '-h',
    '127.0.0.1',
    '-p',
    String(pgPort),
    '-U',
    'postgres',
    'kobling',
  ]);

  const port = await freePort();
  const kobling = spawnKobling(['start', '--no-crm-emulator'], {
    DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/kobling`,
    PORT: String(port),
    KOBLING_CRM_PORT: String(await freePort()),
    KOBLING_ADMIN_PASSWORD: 'pg15-admin-password',
    KOBLING_DATA_DIR: path.join(dir, 'unused'),
  });
  try {
    await kobling.waitFor(/Press Ctrl\+C to stop/, 60_000);
    assert.match(kobling.output(), /Database\s+postgres:\/\/postgres@127\.0\.0\.1:\d+\/kobling\n/);
    const ready = await fetch(`http://127.0.0.1:${port}/ready`);
    assert.equal(ready.status, 200);
    const version = run(path.join(BIN, 'psql'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(pgPort),
      '-U',
      'postgres',
      '-d',
      'kobling',
      '-Atc',
      'SHOW server_version',
    ]);
    assert.match(version, /^15\./);
    assert.equal(
      existsSync(path.join(dir, 'unused', 'postgres')),
      false,
      'no embedded server was started',
    );
  } finally {
    assert.equal(await kobling.stop(), 0, kobling.output());
  }
});
