import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { DEFAULT_TENANT_ID } from '../../src/crm-emulator/server.ts';
import { openDb } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { readSystemId } from '../../src/db/system-identity.ts';
import { secretBox } from '../../src/sync/connection/secret-box.ts';
import { keyFingerprint } from '../../src/sync/connection/secret-key.ts';
import { freePort, runKobling, spawnKobling } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

// Installs that share an external database (DATABASE_URL) or a data folder: local secret files are
// kept per database, and every process on one database has to hold the same secret key.
const databases: TestDatabase[] = [];
const root = mkdtempSync(path.join(tmpdir(), 'kobling-ext-secrets-'));
after(async () => {
  for (const d of databases) await d.drop();
});

async function database(): Promise<TestDatabase> {
  const d = await createTestDatabase('secrets');
  databases.push(d);
  return d;
}

/** `kobling start` (no demo data, no workers) until its banner, then stopped; its output. */
async function startOnce(env: Record<string, string>): Promise<string> {
  const p = spawnKobling(['start', '--no-demo', '--no-workers'], {
    PORT: String(await freePort()),
    KOBLING_CRM_PORT: env.KOBLING_CRM_PORT ?? String(await freePort()),
    KOBLING_ADMIN_PASSWORD: 'secrets-admin-password',
    ...env,
  });
  await p.waitFor(/Press Ctrl\+C to stop/, 120_000);
  assert.equal(await p.stop(), 0, p.output());
  return p.output();
}

async function crmTokenStatus(crmPort: number, clientId: string, secret: string) {
  const base = `http://127.0.0.1:${crmPort}`;
  const res = await fetch(`${base}/${DEFAULT_TENANT_ID}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: secret,
      scope: `${base}/.default`,
    }),
  });
  await res.body?.cancel();
  return res.status;
}

test('two installs sharing a data folder keep their own CRM emulator secrets; a file of another database is never overwritten; the banner says where the secret really is', async () => {
  const folder = path.join(root, 'shared');
  const [x, y] = [await database(), await database()];
  const banner = /client id (\S+) {2}secret in (\S+) {2}\(readable only by you\)/;

  const firstX = await startOnce({ DATABASE_URL: x.url, KOBLING_DATA_DIR: folder });
  const [, clientX, fileX = ''] = firstX.match(banner) ?? [];
  assert.ok(fileX.startsWith(path.join(folder, 'databases')), firstX);
  const secretX = readFileSync(fileX, 'utf8').trim();
  assert.equal(statSync(fileX).mode & 0o777, 0o600);
  assert.match(firstX, /Integration {3}connected to the CRM emulator/);

  const firstY = await startOnce({ DATABASE_URL: y.url, KOBLING_DATA_DIR: folder });
  const [, , fileY] = firstY.match(banner) ?? [];
  assert.ok(fileY && fileY !== fileX, firstY);
  assert.equal(readFileSync(fileX, 'utf8').trim(), secretX, "Y's start left X's secret alone");
  for (const out of [firstX, firstY]) assert.ok(!out.includes(secretX), 'no secret is printed');

  // X again: the banner names the file that holds X's secret, and that secret still works.
  const crmPort = await freePort();
  const p = spawnKobling(['start', '--no-demo', '--no-workers'], {
    DATABASE_URL: x.url,
    KOBLING_DATA_DIR: folder,
    PORT: String(await freePort()),
    KOBLING_CRM_PORT: String(crmPort),
    KOBLING_ADMIN_PASSWORD: 'secrets-admin-password',
  });
  try {
    await p.waitFor(/Press Ctrl\+C to stop/, 120_000);
    assert.match(
      p.output(),
      new RegExp(`client id ${clientX} {2}\\(secret in ${fileX} since the first start\\)`),
    );
    assert.equal(await crmTokenStatus(crmPort, clientX!, secretX), 200);
  } finally {
    assert.equal(await p.stop(), 0, p.output());
  }

  // From another folder, the banner does not claim a file it does not have.
  const elsewhere = await startOnce({
    DATABASE_URL: x.url,
    KOBLING_DATA_DIR: path.join(root, 'other'),
    KOBLING_SECRET_KEY: readFileSync(path.join(path.dirname(fileX), 'secret.key'), 'utf8').trim(),
  });
  assert.match(
    elsewhere,
    /\(secret not in \S+crm-client-secret: only the folder of the first start has it/,
  );
  assert.doesNotMatch(elsewhere, /since the first start/);

  // A file already where a new database's secret would go is another's: the start is refused.
  const z = await database();
  const zdb = openDb(z.url, { max: 1 });
  let zFolder: string;
  try {
    await migrate(zdb);
    zFolder = path.join(folder, 'databases', await readSystemId(zdb));
  } finally {
    await zdb.close();
  }
  mkdirSync(zFolder, { recursive: true });
  writeFileSync(path.join(zFolder, 'crm-client-secret'), 'someone-elses-secret\n', { mode: 0o600 });
  const refused = await runKobling(['start', '--no-demo', '--no-workers'], {
    DATABASE_URL: z.url,
    KOBLING_DATA_DIR: folder,
    PORT: String(await freePort()),
    KOBLING_CRM_PORT: String(await freePort()),
    KOBLING_ADMIN_PASSWORD: 'secrets-admin-password',
  });
  assert.notEqual(refused.code, 0, refused.output);
  assert.match(
    refused.output,
    /error \[crm_secret_file_foreign\]: .*crm-client-secret holds a CRM emulator client secret this database does not know/,
  );
  assert.equal(
    readFileSync(path.join(zFolder, 'crm-client-secret'), 'utf8'),
    'someone-elses-secret\n',
  );
});

test('a process without the database key refuses to start and names KOBLING_SECRET_KEY instead of inventing a key; the right key starts it; a lost key is reset', async () => {
  const w = await database();
  const first = path.join(root, 'first');
  await startOnce({ DATABASE_URL: w.url, KOBLING_DATA_DIR: first });
  const [id] = readdirSync(path.join(first, 'databases'));
  const keyFile = path.join(first, 'databases', id!, 'secret.key');
  const key = readFileSync(keyFile, 'utf8').trim();
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  const db = openDb(w.url, { max: 1 });
  const outputs: string[] = [];
  try {
    const fp = await db.query<{ v: string }>(
      "SELECT value #>> '{}' AS v FROM app.settings WHERE key = 'secretKeyFingerprint'",
    );
    assert.equal(
      fp.rows[0]?.v,
      keyFingerprint(key),
      'the database keeps a fingerprint, not the key',
    );
    const sealed = await db.query<{ s: string }>(
      'SELECT client_secret_enc AS s FROM integration.connection',
    );
    assert.ok(sealed.rows[0]?.s, 'the first start sealed the emulator secret with that key');

    // Another machine, no key: refused at start, with what to do; no key file is made up.
    const second = path.join(root, 'second');
    const missing = await runKobling(['worker'], { DATABASE_URL: w.url, KOBLING_DATA_DIR: second });
    outputs.push(missing.output);
    assert.notEqual(missing.code, 0);
    assert.match(
      missing.output,
      /error \[secret_key_missing\]: .*set KOBLING_SECRET_KEY to the value of the first process/,
    );
    assert.match(
      missing.output,
      /<data folder>\/databases\/[0-9a-f-]+\/secret\.key on the machine that started Kobling first/,
    );
    assert.equal(existsSync(second), false, 'nothing written in the second folder');

    const wrong = await runKobling(['worker'], {
      DATABASE_URL: w.url,
      KOBLING_DATA_DIR: second,
      KOBLING_SECRET_KEY: 'x'.repeat(40),
    });
    outputs.push(wrong.output);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.output, /error \[secret_key_mismatch\]: KOBLING_SECRET_KEY is not the key/);

    const right = spawnKobling(['worker'], {
      DATABASE_URL: w.url,
      KOBLING_DATA_DIR: second,
      KOBLING_SECRET_KEY: key,
    });
    try {
      await right.waitFor(/Kobling worker \S+ is running/, 60_000);
    } finally {
      assert.equal(await right.stop(), 0, right.output());
      outputs.push(right.output());
    }

    // A database from before the fingerprint: the key that opens its sealed secret is adopted.
    const older = 'o'.repeat(40);
    await db.query("DELETE FROM app.settings WHERE key = 'secretKeyFingerprint'");
    await db.query('UPDATE integration.connection SET client_secret_enc = $1', [
      secretBox(older).seal('crm-secret'),
    ]);
    const legacyMissing = await runKobling(['status'], {
      DATABASE_URL: w.url,
      KOBLING_DATA_DIR: second,
    });
    outputs.push(legacyMissing.output);
    assert.match(legacyMissing.output, /error \[secret_key_missing\]/);
    const adopted = await runKobling(['status'], {
      DATABASE_URL: w.url,
      KOBLING_DATA_DIR: second,
      KOBLING_SECRET_KEY: older,
    });
    assert.equal(adopted.code, 0, adopted.output);
    const now = await db.query<{ v: string }>(
      "SELECT value #>> '{}' AS v FROM app.settings WHERE key = 'secretKeyFingerprint'",
    );
    assert.equal(now.rows[0]?.v, keyFingerprint(older));

    // The key is lost: reset, then a start settles a new one and the secret is to be entered again.
    const reset = await runKobling(['secret-key', 'reset', '--yes'], {
      DATABASE_URL: w.url,
      KOBLING_DATA_DIR: second,
    });
    assert.equal(reset.code, 0, reset.output);
    assert.match(reset.output, /Key fingerprint forgotten; stored CRM client secret cleared/);
    const fresh = await runKobling(['status'], { DATABASE_URL: w.url, KOBLING_DATA_DIR: second });
    assert.equal(fresh.code, 0, fresh.output);
    assert.ok(existsSync(path.join(second, 'databases', id!, 'secret.key')));
    for (const out of outputs) {
      assert.ok(!out.includes(key), 'the key is never printed');
      assert.ok(!out.includes(older), 'the key is never printed');
    }
  } finally {
    await db.close();
  }
});
