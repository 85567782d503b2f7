import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/shared/config.ts';

test('defaults run everything locally with no configuration', () => {
  const r = loadConfig({}, {}, '/srv/app');
  assert.ok(r.ok);
  assert.equal(r.config.server.port, 8080);
  assert.equal(r.config.crmEmulator.port, 8081);
  assert.equal(r.config.database.url, undefined);
  assert.equal(r.config.dataDir, path.resolve('/srv/app', '.kobling'));
  assert.equal(r.config.demoData, true);
});

test('environment and flag overrides are applied, flags winning', () => {
  const r = loadConfig(
    { PORT: '9000', DATABASE_URL: 'postgres://u:p@db:5432/k', KOBLING_DEMO_DATA: 'false' },
    { PORT: '9100' },
  );
  assert.ok(r.ok);
  assert.equal(r.config.server.port, 9100);
  assert.equal(r.config.database.url, 'postgres://u:p@db:5432/k');
  assert.equal(r.config.demoData, false);
});

test('every invalid setting is reported at once', () => {
  const r = loadConfig({
    PORT: 'eighty',
    DATABASE_URL: 'mysql://x',
    KOBLING_ADMIN_PASSWORD: 'short',
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.problems.length, 3);
  assert.match(r.problems.join('\n'), /PORT/);
  assert.match(r.problems.join('\n'), /DATABASE_URL: must be a postgres/);
  assert.match(r.problems.join('\n'), /KOBLING_ADMIN_PASSWORD: must be at least 8/);
});

test('unrelated environment variables are ignored', () => {
  const r = loadConfig({ HOME: '/root', PATH: '/bin', npm_config_foo: 'x' });
  assert.ok(r.ok);
});
