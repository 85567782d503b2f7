import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freePort, spawnKobling } from '../helpers/cli.ts';
import { createMigratedDb } from '../helpers/database.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;

before(async () => {
  db = await createMigratedDb('crm');
});
after(() => db.drop());

test('`kobling crm-emulator` runs the emulator alone and prints its generated credentials once', async () => {
  const port = await freePort();
  const proc = spawnKobling(['crm-emulator', '--fault-rate', '0'], {
    DATABASE_URL: db.url,
    KOBLING_CRM_PORT: String(port),
  });
  try {
    const m = (await proc.waitFor(
      /client id (\S+) {2}secret (\S+) {2}\(shown once\)/,
      30_000,
    )) as RegExpMatchArray;
    const [, clientId, secret] = m;
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
