import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { freePort, spawnKobling } from '../helpers/cli.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'kobling-orphan-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

async function answers(pgPort: number): Promise<boolean> {
  const password = readFileSync(path.join(dataDir, 'postgres-password'), 'utf8').trim();
  const client = new pg.Client({
    connectionString: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/postgres`,
    connectionTimeoutMillis: 2000,
  });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    await client.end().catch(() => {});
    return false;
  }
}

test('a start after the node process was killed takes the orphaned PostgreSQL over and stops it on a clean stop', async () => {
  const [port, pgPort] = [await freePort(), await freePort()];
  const env = {
    PORT: String(port),
    KOBLING_PG_PORT: String(pgPort),
    KOBLING_DATA_DIR: dataDir,
    KOBLING_LOG_LEVEL: 'info',
  };
  const args = ['start', '--no-demo', '--no-crm-emulator', '--no-workers'];
  const first = spawnKobling(args, env);
  await first.waitFor(/Press Ctrl\+C to stop/, 90_000);
  first.child.kill('SIGKILL');
  await first.exited();
  assert.ok(await answers(pgPort), 'killing node leaves the embedded PostgreSQL running');

  const second = spawnKobling(args, env);
  await second.waitFor(/Press Ctrl\+C to stop/, 90_000);
  assert.match(second.output(), /taken over/, 'the takeover is logged');
  assert.equal(await second.stop(), 0, second.output());
  assert.equal(await answers(pgPort), false, 'the clean stop shut the adopted server down');

  const third = spawnKobling(args, env);
  await third.waitFor(/Press Ctrl\+C to stop/, 90_000);
  assert.doesNotMatch(third.output(), /taken over/, 'a normal start after a clean stop');
  assert.equal(await third.stop(), 0, third.output());
  assert.equal(await answers(pgPort), false);
});
