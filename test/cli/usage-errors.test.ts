import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { runKobling } from '../helpers/cli.ts';

// Every usage error exits 2, commander's (a missing argument, an unknown option or command) as
// our own (options that do not go together); help and version exit 0. Run where Kobling has no
// data: a usage error is said before any database is looked for, and nothing is created.

const folder = mkdtempSync(path.join(tmpdir(), 'kobling-usage-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const kobling = (...args: string[]) => runKobling(args, {}, { cwd: folder });

test("commander's usage errors exit 2 with the usage; --help and --version exit 0", async () => {
  for (const [args, said] of [
    [['sync', 'full', '--restart'], /error: option '--restart <mapping>' argument missing/],
    [['sync', 'full', '--bogus'], /error: unknown option '--bogus'/],
    [['sync'], /error: missing required argument 'mapping'/],
    [['bogus'], /error: unknown command 'bogus'/],
  ] as const) {
    const r = await kobling(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.output}`);
    assert.match(r.output, said);
    assert.match(r.output, /^Usage: kobling /m, 'the usage follows the error');
  }
  for (const args of [['--help'], ['sync', '--help'], ['--version']]) {
    const r = await kobling(...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.output}`);
  }
  assert.deepEqual(readdirSync(folder), []);
});

test('options that do not go together exit 2 with validation_failed, before any database is looked for', async () => {
  for (const [args, said] of [
    [
      ['sync', 'full', '--restart', 'CUSTOMER', '--restart-failed'],
      'Give either --restart MAPPING (one line) or --restart-failed (every failed line)',
    ],
    [
      ['sync', 'full', '--review', '--restart', 'CUSTOMER'],
      '--review only shows the lines; --restart and --restart-failed start them',
    ],
    [['sync', 'full', '--dry-run'], 'A full synchronization is previewed per mapping'],
    [['sync', 'CUSTOMER', '--restart-failed'], '--restart and --restart-failed restart lines'],
  ] as const) {
    const r = await kobling(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.output}`);
    assert.ok(r.output.includes(`error [validation_failed]: ${said}`), r.output);
    assert.doesNotMatch(r.output, /no_kobling_data/);
  }
  assert.deepEqual(readdirSync(folder), []);
});
