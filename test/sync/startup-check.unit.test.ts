import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { integrationLine } from '../../src/integration/startup-check.ts';
import { freePort } from '../helpers/cli.ts';

async function listening(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('the start banner says when the CRM is not reachable, asked once with a short timeout', async () => {
  assert.equal(
    await integrationLine({ enabled: false, crmUrl: 'http://127.0.0.1:1' }),
    'Integration   not enabled (set it up in /api/integration/v1/connection)',
  );

  // Any HTTP answer is a CRM that is there (Dataverse answers 401 without a token).
  const up = createServer((_req, res) => res.writeHead(401).end());
  const upUrl = await listening(up);
  try {
    assert.equal(
      await integrationLine({ enabled: true, crmUrl: upUrl }),
      `Integration   enabled (${upUrl})`,
    );
  } finally {
    up.close();
  }

  const port = await freePort();
  const down = `http://127.0.0.1:${port}`;
  assert.equal(
    await integrationLine({ enabled: true, crmUrl: down }),
    `Integration   enabled (${down}), but the CRM at 127.0.0.1:${port} is not reachable (ECONNREFUSED); synchronization waits until it answers`,
  );

  // A CRM that accepts the connection and never answers delays the start by the timeout only.
  const silent = createServer(() => {});
  const silentUrl = await listening(silent);
  try {
    const started = Date.now();
    const line = await integrationLine({ enabled: true, crmUrl: silentUrl }, 300);
    const took = Date.now() - started;
    assert.match(
      line,
      /but the CRM at 127\.0\.0\.1:\d+ did not answer in time; synchronization waits until it answers$/,
    );
    assert.ok(took < 2000, `took ${took} ms`);
  } finally {
    silent.closeAllConnections();
    silent.close();
  }
});
