import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestResult } from '../../src/web/pages/connection-setup.tsx';
import { freePort } from '../helpers/cli.ts';
import { callJson } from '../helpers/server.ts';
import { serverSetting } from './server-setting.ts';

const s = serverSetting({ connect: false });

const call = (method: string, path: string, body?: unknown) =>
  callJson(`${s.server.baseUrl}/api/integration/v1${path}`, method, s.admin, body);

// Nothing listens on the discard port of the loopback address.
const NOWHERE = 'http://127.0.0.1:9';

test('a new address clears the last test, and the test asks the new address itself', async () => {
  assert.equal((await call('PATCH', '/connection', s.fx.connection)).status, 200);
  const passed = await call('POST', '/connection/test');
  assert.equal(passed.json.ok, true, passed.text);
  assert.equal(passed.json.crmUrl, s.fx.emulator.baseUrl);
  assert.equal((await call('GET', '/connection')).json.lastTest.ok, true);

  const moved = await call('PATCH', '/connection', { crmUrl: NOWHERE });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.json.lastTest, null, 'the passed test of the old address is forgotten');
  // The emulator's authority is on its own server: it moves with the address.
  assert.equal(moved.json.authorityUrl, `${NOWHERE}/${s.fx.emulator.tenantId}`);

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

  const closed = `http://127.0.0.1:${await freePort()}`;
  assert.equal((await call('PATCH', '/connection', { crmUrl: closed })).status, 200);
  const refused = await call('POST', '/connection/test');
  assert.equal(refused.json.reachable, false);
  assert.match(refused.json.problems.join(), /is not reachable: connecting to .* \(ECONNREFUSED\)/);
});

test('a sign-in refused by the authority is short, with the authority text as detail', async () => {
  // Kobling's own server answers at the address, but the emulator (the authority) does not know it.
  const other = await call('PATCH', '/connection', {
    crmUrl: s.server.baseUrl,
    authorityUrl: s.fx.emulator.authority,
  });
  assert.equal(other.status, 200, other.text);
  assert.equal(other.json.authorityUrl, s.fx.emulator.authority, 'a given authority is kept');
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
  assert.equal((await call('PATCH', '/connection', s.fx.connection)).status, 200);
  assert.equal((await call('POST', '/connection/test')).json.ok, true);
  const resecret = await call('PATCH', '/connection', {
    clientSecret: s.fx.credentials.clientSecret,
  });
  assert.equal(resecret.json.lastTest, null);
  const switches = await call('PATCH', '/connection', { autoProcessQuotes: false });
  assert.equal(switches.status, 200);
  assert.equal((await call('POST', '/connection/test')).json.ok, true);
  const kept = await call('PATCH', '/connection', { autoProcessQuotes: true });
  assert.equal(kept.json.lastTest.ok, true, 'a switch is no reason to test again');
});
