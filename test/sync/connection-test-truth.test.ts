import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { TestResult } from '../../src/web/pages/connection-setup.tsx';
import { callJson, startTestServer, type TestServer } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

let fx: SyncFixture;
let server: TestServer;
let admin: string;

before(async () => {
  fx = await startSyncFixture();
  server = await startTestServer(fx.db, undefined, { KOBLING_SECRET_KEY: 'k'.repeat(40) });
  admin = await server.tokenFor('admin');
});
after(async () => {
  await server?.close();
  await fx?.close();
});

const call = (method: string, path: string, body?: unknown) =>
  callJson(`${server.baseUrl}/api/integration/v1${path}`, method, admin, body);

/** A loopback port nothing listens on (it was free a moment ago). */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

// Nothing listens on the discard port of the loopback address.
const NOWHERE = 'http://127.0.0.1:9';

test('a new address clears the last test, and the test asks the new address itself', async () => {
  assert.equal((await call('PATCH', '/connection', fx.connection)).status, 200);
  const passed = await call('POST', '/connection/test');
  assert.equal(passed.json.ok, true, passed.text);
  assert.equal(passed.json.crmUrl, fx.emulator.baseUrl);
  assert.equal((await call('GET', '/connection')).json.lastTest.ok, true);

  const moved = await call('PATCH', '/connection', { crmUrl: NOWHERE });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.json.lastTest, null, 'the passed test of the old address is forgotten');
  // The emulator's authority is on its own server: it moves with the address.
  assert.equal(moved.json.authorityUrl, `${NOWHERE}/${fx.emulator.tenantId}`);

  const tested = await call('POST', '/connection/test');
  assert.equal(tested.status, 200, tested.text);
  assert.equal(tested.json.ok, false);
  assert.equal(tested.json.reachable, false);
  assert.equal(tested.json.authenticated, false);
  assert.equal(tested.json.crmUrl, NOWHERE);
  assert.equal(tested.json.problems.length, 1, tested.text);
  assert.match(tested.json.problems[0], /127\.0\.0\.1:9 is not reachable: .*port 9/);
  assert.ok(tested.json.problems[0].length < 160, tested.json.problems[0]);
  assert.equal((await call('GET', '/connection')).json.lastTest.reachable, false);

  const closed = `http://127.0.0.1:${await closedPort()}`;
  assert.equal((await call('PATCH', '/connection', { crmUrl: closed })).status, 200);
  const refused = await call('POST', '/connection/test');
  assert.equal(refused.json.reachable, false);
  assert.match(refused.json.problems.join(), /is not reachable: connecting to .* \(ECONNREFUSED\)/);
});

test('a sign-in refused by the authority is short, with the authority text as detail', async () => {
  // Kobling's own server answers at the address, but the emulator (the authority) does not know it.
  const other = await call('PATCH', '/connection', {
    crmUrl: server.baseUrl,
    authorityUrl: fx.emulator.authority,
  });
  assert.equal(other.status, 200, other.text);
  assert.equal(other.json.authorityUrl, fx.emulator.authority, 'a given authority is kept');
  const tested = await call('POST', '/connection/test');
  assert.equal(tested.json.reachable, true);
  assert.equal(tested.json.authenticated, false);
  assert.equal(tested.json.problems.length, 1, tested.text);
  assert.match(tested.json.problems[0], /does not know .* \(AADSTS500011\)$/);
  assert.ok(tested.json.problems[0].length < 200, tested.json.problems[0]);
  assert.match(tested.json.detail, /AADSTS500011: The resource principal named/);
  // The Connection page shows the short sentence, and the authority's text folded away.
  const html = String(await TestResult({ test: tested.json }));
  assert.match(html, /does not know .* \(AADSTS500011\)/);
  assert.match(
    html,
    /<details class="test-detail"><summary>What the server said<\/summary><pre>[^<]*AADSTS500011: The resource principal/,
  );
});

test('changing only the secret also forgets the last test; back at the emulator it passes', async () => {
  assert.equal((await call('PATCH', '/connection', fx.connection)).status, 200);
  assert.equal((await call('POST', '/connection/test')).json.ok, true);
  const resecret = await call('PATCH', '/connection', {
    clientSecret: fx.credentials.clientSecret,
  });
  assert.equal(resecret.json.lastTest, null);
  const switches = await call('PATCH', '/connection', { autoProcessQuotes: false });
  assert.equal(switches.status, 200);
  assert.equal((await call('POST', '/connection/test')).json.ok, true);
  const kept = await call('PATCH', '/connection', { autoProcessQuotes: true });
  assert.equal(kept.json.lastTest.ok, true, 'a switch is no reason to test again');
});
