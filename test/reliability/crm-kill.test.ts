import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, type KoblingProcess, spawnKobling } from '../helpers/cli.ts';
import { testConfig } from '../helpers/server.ts';
import {
  allCustomersOneWay,
  assertCoupledOnce,
  countWith,
  insertCustomers,
  syncUntilQuiet,
} from '../helpers/sync-data.ts';
import { type SyncFixture, startSyncFixture } from '../sync/sync-fixture.ts';

// The CRM emulator as its own process (`kobling crm-emulator`) over the fixture's database, and
// `kobling sync` against it: the emulator is killed with SIGKILL while a `$batch` of creates is
// being applied, started again on the same database, and the sync runs until it is quiet.
const SECRET_KEY = 'k'.repeat(40);
const N = 2000;
let fx: SyncFixture;
let env: Record<string, string>;
let emulatorEnv: Record<string, string>;
let dataDir: string;

before(async () => {
  fx = await startSyncFixture();
  const port = await freePort();
  dataDir = mkdtempSync(path.join(tmpdir(), 'kobling-crm-kill-'));
  const baseUrl = `http://127.0.0.1:${port}`;
  await fx.connect(testConfig({ KOBLING_SECRET_KEY: SECRET_KEY }), {
    baseUrl,
    authority: `${baseUrl}/${fx.emulator.tenantId}`,
  });
  await allCustomersOneWay(fx);
  await insertCustomers(fx.db, N, { number: 'E', name: 'CRM kill customer', city: 'Molde' });
  env = { DATABASE_URL: fx.db.url, KOBLING_SECRET_KEY: SECRET_KEY, KOBLING_DATA_DIR: dataDir };
  emulatorEnv = {
    ...env,
    KOBLING_CRM_PORT: String(port),
    KOBLING_CRM_CLIENT_ID: fx.credentials.clientId,
    KOBLING_CRM_CLIENT_SECRET: fx.credentials.clientSecret,
  };
});
after(async () => {
  await fx?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const count = (sql: string, params: unknown[] = []) => countWith(fx.db)(sql, params);

async function startEmulator(): Promise<KoblingProcess> {
  const p = spawnKobling(['crm-emulator'], emulatorEnv);
  await p.waitFor(/CRM emulator is running/, 60_000);
  return p;
}

/** Accounts the CRM has created whose coupling still waits for the `$batch`'s answer. */
const LANDED_PENDING = `SELECT count(*)::int AS n FROM integration.crm_create_journal j
  CROSS JOIN unnest(j.crm_ids) AS x(id)
  JOIN crm.records r ON r.entity = 'account' AND r.id = x.id
  WHERE j.mapping_name = 'CUSTOMER'`;

test('the CRM killed mid-$batch and restarted: every record coupled exactly once, none skipped, no duplicate', async () => {
  let emulator = await startEmulator();
  let sync: KoblingProcess | undefined;
  try {
    sync = spawnKobling(['sync', 'CUSTOMER', '--json'], env);
    const deadline = Date.now() + 120_000;
    while ((await count(LANDED_PENDING)) === 0) {
      assert.ok(Date.now() < deadline, `no $batch in flight:\n${sync.output()}`);
      assert.equal(sync.child.exitCode, null, `the sync ended first:\n${sync.output()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    emulator.child.kill('SIGKILL');
    await emulator.exited();
    assert.ok((await count(LANDED_PENDING)) > 0, 'creates landed in the CRM, unconfirmed');
    // The sync meets a CRM that is gone: it must end (failed records or a failed pass), not hang.
    const code = await sync.exited();
    assert.notEqual(code, null, sync.output());
    assert.doesNotMatch(sync.output(), /duplicate key|violates/i, sync.output());

    emulator = await startEmulator();
    const { quiet, outputs } = await syncUntilQuiet(env, 5, /duplicate key|violates/i);
    assert.ok(quiet, `the runs settle:\n${outputs.join('\n')}`);
    await assertCoupledOnce(fx.db, N, 'CRM kill customer');
  } finally {
    if (sync && sync.child.exitCode === null) sync.child.kill('SIGKILL');
    await emulator.stop();
  }
});
