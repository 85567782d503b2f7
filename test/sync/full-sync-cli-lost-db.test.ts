import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnKobling } from '../helpers/cli.ts';
import { relayTo } from '../helpers/db-relay.ts';
import { startFullSyncSetting } from '../helpers/full-sync.ts';
import { insertCustomers } from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';

// `kobling sync full` following the lines when the database goes away (the server and its
// PostgreSQL stopped): a clear message and a non-zero exit, not a socket error.

const SECRET = 'd'.repeat(40);
const t = useFixture(() =>
  startFullSyncSetting({
    secretKey: SECRET,
    workers: false,
    seed: async (fx) => {
      await insertCustomers(fx.db, 3, { number: 'L', name: 'Lost customer', city: 'Bergen' });
    },
  }),
);

test('the database gone while following: a clear message with its code, exit 1, and the lines are untouched', async () => {
  const relay = await relayTo(t.fx.db.url);
  const cli = spawnKobling(['sync', 'full'], {
    DATABASE_URL: relay.url,
    KOBLING_SECRET_KEY: SECRET,
  });
  try {
    // Following: no worker runs here, so the lines stay queued.
    await cli.waitFor(/^CUSTOMER\s+(Pending|Queued)/m, 60_000);
  } catch (e) {
    await cli.stop();
    await relay.cut();
    throw e;
  }
  await relay.cut();
  const code = await cli.exited();
  const out = cli.output();
  assert.equal(code, 1, out);
  assert.match(
    out,
    /error \[database_unavailable\]: Lost the connection to the database while following the full synchronization; the lines go on when Kobling runs again: run `kobling sync full` to follow them/,
  );
  assert.doesNotMatch(out, /ECONNREFUSED/);
  // The command logs as readable lines (`error: …`), not JSON.
  assert.doesNotMatch(out, /"level":"error"|"level":50|^(error|fatal): /m, 'no error log lines');
});
