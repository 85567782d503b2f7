import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { runKobling } from '../helpers/cli.ts';

const root = mkdtempSync(path.join(tmpdir(), 'kobling-no-data-'));
after(() => rmSync(root, { recursive: true, force: true }));

const refusal = (dataDir: string) =>
  new RegExp(
    `error \\[no_kobling_data\\]: No Kobling data in ${dataDir.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}: run \`npm start\``,
  );

test('a command run in a folder where Kobling was never started refuses, exits 1 and creates nothing there', async () => {
  for (const args of [['sync', 'full', '--review'], ['mappings'], ['status'], ['seed']]) {
    const folder = mkdtempSync(path.join(root, 'wrong-'));
    const r = await runKobling(args, {}, { cwd: folder });
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.output}`);
    assert.match(r.output, refusal(path.join(folder, '.kobling')), args.join(' '));
    assert.doesNotMatch(r.output, /No mapping|No mappings yet/, 'no answer from an empty database');
    assert.deepEqual(readdirSync(folder), [], `${args.join(' ')} left the folder empty`);
  }
});

test('KOBLING_DATA_DIR naming a folder with no database is refused too, and left as it was', async () => {
  const dataDir = path.join(root, 'elsewhere');
  mkdirSync(dataDir);
  const r = await runKobling(['sync', 'full'], { KOBLING_DATA_DIR: dataDir });
  assert.equal(r.code, 1, r.output);
  assert.match(r.output, refusal(dataDir));
  assert.deepEqual(readdirSync(dataDir), [], 'no postgres folder and no password file');
});
