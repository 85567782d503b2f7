import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { freePort, runKobling } from '../helpers/cli.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'kobling-one-shot-logs-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('migrate, seed, user add and token create log readable lines, not JSON, as the other one-shot commands do', async () => {
  // Debug: each command starts the data folder's embedded PostgreSQL and logs its lines.
  const env = {
    KOBLING_DATA_DIR: dataDir,
    KOBLING_PG_PORT: String(await freePort()),
    KOBLING_LOG_LEVEL: 'debug',
  };
  const commands = [
    ['migrate'],
    ['seed'],
    ['user', 'add', 'olga', '--role', 'readOnly'],
    ['token', 'create', '--user', 'olga'],
  ];
  for (const args of commands) {
    const r = await runKobling(args, env);
    const name = args.slice(0, 2).join(' ');
    assert.equal(r.code, 0, `${name}: ${r.output}`);
    const lines = r.output.split('\n');
    assert.deepEqual(
      lines.filter((l) => l.trimStart().startsWith('{')),
      [],
      `${name} printed JSON log lines`,
    );
    assert.ok(
      lines.some((l) => /^debug: embedded postgres \(postgres /.test(l)),
      `${name} logs readable lines:\n${r.output}`,
    );
    if (args[0] === 'seed') {
      // The first command that needs the secret key generates it and says so, readably.
      assert.match(r.output, /^info: secret key generated for this database \(file /m);
      assert.match(r.output, /^Loaded the ERP demo company: 50 customers/m);
    }
  }
});
