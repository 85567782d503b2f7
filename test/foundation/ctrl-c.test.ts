import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { errorLines, killStarted, runKobling, startInOwnGroup } from '../helpers/cli.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'kobling-ctrl-c-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('a command finds the running embedded PostgreSQL on its port, and Ctrl+C (SIGINT to the process group) stops with no error lines and no secrets', async () => {
  const { start } = await startInOwnGroup(dataDir, {
    // Debug: the failures expected while stopping are logged, and must not carry secrets either.
    KOBLING_LOG_LEVEL: 'debug',
  });
  try {
    await start.waitFor(/Press Ctrl\+C to stop/, 180_000);

    // Without KOBLING_PG_PORT the command would start a second server on the default port; it
    // connects to the running one instead.
    const list = await runKobling(['token', 'list'], { KOBLING_DATA_DIR: dataDir });
    assert.equal(list.code, 0, list.output);
    assert.doesNotMatch(list.output, /Could not start the embedded PostgreSQL/);

    // Let the real-time listener and the job queue hold their connections.
    await new Promise((r) => setTimeout(r, 3000));
    const pid = start.child.pid as number;
    process.kill(-pid, 'SIGINT');
    const code = await start.exited();
    const out = start.output();
    // Logged as JSON like every other line on stderr, so `jq` reads the whole log.
    const received = out.split('\n').find((l) => l.includes('Received SIGINT'));
    assert.ok(received, out.slice(-4000));
    assert.deepEqual((({ level, signal, msg }) => ({ level, signal, msg }))(JSON.parse(received)), {
      level: 30,
      signal: 'SIGINT',
      msg: 'Received SIGINT; stopping…',
    });
    assert.equal(code, 0, out.slice(-4000));
    const errors = errorLines(out, 300);
    assert.deepEqual(errors, [], 'no line at level error or fatal');
    assert.doesNotMatch(out, /secretKey|processID/);
  } finally {
    killStarted(start, dataDir);
  }
});
