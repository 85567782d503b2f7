import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heartbeatJob } from '../../src/db/system-jobs.ts';
import { reviewLines } from '../../src/integration/full-sync/full-sync-service.ts';
import { spawnKobling } from '../helpers/cli.ts';
import { startFullSyncSetting } from '../helpers/full-sync.ts';
import { insertCustomers } from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';

// Ctrl+C (or SIGTERM) while `kobling sync full` follows the lines: it stops the following, not
// the full synchronization, and says so in one line on stderr. No worker runs here, so the lines
// stay queued and nothing moves them meanwhile.

const SECRET = 'e'.repeat(40);
const t = useFixture(() =>
  startFullSyncSetting({
    secretKey: SECRET,
    workers: false,
    seed: async (fx) => {
      await insertCustomers(fx.db, 3, {
        number: 'I',
        name: 'Interrupted customer',
        city: 'Bergen',
      });
    },
  }),
);
const env = () => ({ DATABASE_URL: t.fx.db.url, KOBLING_SECRET_KEY: SECRET });
const statuses = async () =>
  (await reviewLines(t.deps)).map((l) => `${l.mapping}:${l.status}`).join(', ');

/** `kobling sync full` following queued lines, with its stdout apart (the JSON's stream). */
async function following(args: string[]) {
  const cli = spawnKobling(['sync', 'full', ...args], env());
  let stdout = '';
  cli.child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  // A first look at the lines made: what the follower says depends on it.
  await cli.waitFor(
    args.includes('--json') ? /already at work|waiting for a worker|started/ : /^CUSTOMER\s+/m,
  );
  await new Promise((r) => setTimeout(r, 1500));
  return { cli, stdout: () => stdout };
}

test('Ctrl+C while following: one line saying the lines go on and how to follow them again, exit 130, the lines untouched', async () => {
  const { cli, stdout } = await following([]);
  const before = await statuses();
  assert.match(before, /Queued/);
  cli.child.kill('SIGINT');
  const code = await cli.exited();
  const out = cli.output();
  assert.equal(code, 130, out);
  // No worker seen lately: the lines wait for one.
  const said =
    'Stopped following the full synchronization; the lines go on when a worker runs (`kobling start` or `kobling worker`): run `kobling sync full` to follow them';
  assert.equal(out.split('\n').filter((l) => l === said).length, 1, out);
  assert.ok(out.trimEnd().endsWith(said), `the last line:\n${out}`);
  assert.doesNotMatch(out, /error \[|Full synchronization (finished|stopped)/);
  assert.equal(stdout(), '', 'stdout is for the summary, which there is none of');
  assert.equal(await statuses(), before, 'Ctrl+C stops the following, not the lines');
});

test('SIGTERM with --json while workers are seen: stdout stays empty (no partial JSON), the line on stderr says the lines go on on the workers, exit 143', async () => {
  await heartbeatJob(t.fx.db, 'interrupt-test').handler({}, { id: 'interrupt-test' });
  const { cli, stdout } = await following(['--json']);
  cli.child.kill('SIGTERM');
  const code = await cli.exited();
  const out = cli.output();
  assert.equal(code, 143, out);
  assert.equal(stdout(), '', out);
  assert.match(
    out,
    /^Stopped following the full synchronization; the lines go on on the workers: run `kobling sync full` to follow them$/m,
  );
  assert.match(await statuses(), /Queued/);
});
