import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, spawnKobling } from '../helpers/cli.ts';
import { createMigratedDb } from '../helpers/database.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;

before(async () => {
  db = await createMigratedDb('crm');
});
after(() => db.drop());

test('`kobling crm-emulator` runs the emulator alone and writes its generated secret to a private file, never to the output', async () => {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kobling-crm-cli-'));
  const proc = spawnKobling(['crm-emulator', '--fault-rate', '0'], {
    DATABASE_URL: db.url,
    KOBLING_CRM_PORT: String(port),
    KOBLING_DATA_DIR: dataDir,
  });
  try {
    const m = (await proc.waitFor(
      /client id (\S+) {2}secret in (\S+) {2}\(readable only by you\)/,
      30_000,
    )) as RegExpMatchArray;
    const [, clientId, file] = m;
    const secret = readFileSync(file!, 'utf8').trim();
    assert.ok(!proc.output().includes(secret), 'the secret is never printed');
    const [, tokenUrl] = (await proc.waitFor(/Token URL\s+(\S+)/, 5_000)) as RegExpMatchArray;
    const res = await fetch(tokenUrl!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId!,
        client_secret: secret!,
        scope: `http://127.0.0.1:${port}/.default`,
      }),
    });
    assert.equal(res.status, 200);
    const { access_token } = (await res.json()) as { access_token: string };
    const who = await fetch(`http://127.0.0.1:${port}/api/data/v9.2/WhoAmI`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    assert.equal(who.status, 200);
  } finally {
    assert.equal(await proc.stop(), 0, proc.output());
  }
});
