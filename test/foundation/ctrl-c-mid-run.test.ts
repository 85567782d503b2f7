import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  errorLines,
  killStarted,
  postmasterRuns,
  spawnKobling,
  startInOwnGroup,
} from '../helpers/cli.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'kobling-ctrl-c-run-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('Ctrl+C (SIGINT to the process group) while a full synchronization runs stops in order with no error lines', async () => {
  const { start, pgPort } = await startInOwnGroup(dataDir, {
    KOBLING_LOG_LEVEL: 'info',
    // Slow CRM answers keep the lines running when the signal comes.
    KOBLING_CRM_LATENCY_MS: '300',
  });
  let sync: ReturnType<typeof spawnKobling> | undefined;
  try {
    await start.waitFor(/Press Ctrl\+C to stop/, 180_000);
    sync = spawnKobling(['sync', 'full'], {
      KOBLING_DATA_DIR: dataDir,
      KOBLING_PG_PORT: String(pgPort),
    });
    // A worker took a line: its job is in flight now.
    await start.waitFor(/full synchronization line started/, 60_000);
    const signalled = Date.now();
    process.kill(-(start.child.pid as number), 'SIGINT');
    const code = await start.exited();
    const stoppedInMs = Date.now() - signalled;
    const out = start.output();
    assert.equal(code, 0, out.slice(-4000));
    assert.match(out, /letting running jobs finish/, 'a job was running when the stop began');
    const errors = errorLines(out, 400);
    assert.deepEqual(errors, [], 'no line at level error or fatal');
    // Bounded: 5 s to finish, 4 s for aborted work, then the pools and PostgreSQL.
    assert.ok(stoppedInMs < 20_000, `stopped in ${stoppedInMs} ms`);
    assert.equal(postmasterRuns(dataDir), false, 'the embedded PostgreSQL was stopped, last');
  } finally {
    if (sync && sync.child.exitCode === null) sync.child.kill('SIGKILL');
    killStarted(start, dataDir);
  }
});
