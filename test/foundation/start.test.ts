import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { freePort, spawnKobling } from '../helpers/cli.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'kobling-start-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

async function waitReady(base: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const res = await fetch(`${base}/ready`, { signal: AbortSignal.timeout(10_000) }).catch(
      () => undefined,
    );
    if (res?.status === 200) return;
    last = res ? `${res.status} ${await res.text()}` : 'no answer';
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${base}/ready did not answer 200 within ${timeoutMs} ms: ${last}`);
}

test('`kobling start` on the embedded database answers /health, a second start reuses the data and follows the CRM emulator to its new port', async () => {
  const [port, pgPort, crmPort] = [await freePort(), await freePort(), await freePort()];
  const env = {
    PORT: String(port),
    KOBLING_PG_PORT: String(pgPort),
    KOBLING_CRM_PORT: String(crmPort),
    KOBLING_DATA_DIR: dataDir,
  };
  const base = `http://127.0.0.1:${port}`;

  // Info: the stop is logged at info.
  const first = spawnKobling(['start'], { ...env, KOBLING_LOG_LEVEL: 'info' });
  const [, password] = (await first.waitFor(/admin \/ (\S+)/, 180_000)) as RegExpMatchArray;
  await first.waitFor(/Press Ctrl\+C to stop/, 180_000);
  assert.equal((await fetch(`${base}/health`)).status, 200);
  await waitReady(base, 30_000);
  const tokenRes = await fetch(`${base}/api/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  assert.equal(tokenRes.status, 200, 'the printed admin password works');
  assert.equal(await first.stop(), 0, first.output());
  assert.doesNotMatch(first.output(), /"level":50/, 'a normal stop logs no errors');
  // The stop is a JSON log line like the rest of stderr, not plain text that breaks `jq`.
  const stopLine = first
    .output()
    .split('\n')
    .find((l) => l.includes('Received SIGTERM'));
  assert.equal(JSON.parse(stopLine ?? 'null')?.msg, 'Received SIGTERM; stopping…', first.output());
  assert.doesNotMatch(first.output(), /^\s*Received SIG/m);

  // The second start puts the CRM emulator on another port: the connection the first start set
  // up for it follows, so the integration is ready on the new address.
  const movedCrmPort = await freePort();
  const second = spawnKobling(['start'], { ...env, KOBLING_CRM_PORT: String(movedCrmPort) });
  await second.waitFor(/Press Ctrl\+C to stop/, 180_000);
  assert.match(second.output(), new RegExp(`enabled \\(http://127\\.0\\.0\\.1:${movedCrmPort}\\)`));
  assert.match(second.output(), /moved from http:\/\/127\.0\.0\.1:\d+ to the CRM emulator/);
  await waitReady(base, 30_000);
  assert.doesNotMatch(second.output(), /admin \//, 'no new admin password: the data was reused');
  const again = await fetch(`${base}/api/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  assert.equal(again.status, 200, 'the same admin password still works');
  assert.equal(await second.stop(), 0, second.output());
  assert.doesNotMatch(second.output(), /"level":50/, 'a normal stop logs no errors');

  // Without the emulator nothing answers at the connection's address: the banner says so, and
  // the polling warnings that follow are one line each, with no stack.
  const third = spawnKobling(['start', '--no-crm-emulator'], env);
  await third.waitFor(/Press Ctrl\+C to stop/, 180_000);
  const crm = `127\\.0\\.0\\.1:${movedCrmPort}`;
  assert.match(
    third.output(),
    new RegExp(
      `Integration   enabled \\(http://${crm}\\), but the CRM at ${crm} is not reachable \\(ECONNREFUSED\\); synchronization waits until it answers`,
    ),
  );
  await third.waitFor(/CRM change polling failed/, 30_000);
  assert.match(
    third.output(),
    new RegExp(
      `CRM change polling failed: the CRM at ${crm} is not reachable \\(ECONNREFUSED\\); next try in \\d+ s`,
    ),
  );
  assert.doesNotMatch(third.output(), /"stack"/);
  assert.equal(await third.stop(), 0, third.output());
});
