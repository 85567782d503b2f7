import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { AppContext } from '../../src/app/context.ts';
import { startCrmEmulatorService } from '../../src/crm-emulator/service.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { crmToken } from '../helpers/crm-emulator.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { testConfig } from '../helpers/server.ts';
import { apiClient } from './api-client.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;
let ctx: AppContext;

before(async () => {
  db = await createMigratedDb('crm');
  ctx = {
    config: testConfig({
      KOBLING_CRM_PORT: '0',
      KOBLING_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'kobling-crm-service-')),
    }),
    db,
    logger: createLogger('silent'),
    clock: systemClock,
  };
});
after(() => db.drop());

test('the kobling start service generates credentials once, keeps only a hash, and seeds a fresh org', async () => {
  const first = await startCrmEmulatorService(ctx);
  const { clientId, clientSecret } = first.details;
  assert.ok(clientSecret);
  assert.match(
    first.lines[0]!,
    /^CRM emulator {2}http:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\/ {2}client id .+ secret in .+crm-client-secret {2}\(readable only by you\)$/,
  );
  assert.ok(!first.lines.join('\n').includes(clientSecret!), 'the secret is never printed');
  const file = path.join(ctx.config.dataDir, 'crm-client-secret');
  assert.equal(readFileSync(file, 'utf8').trim(), clientSecret);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const stored = await db.query<{ secret_hash: string }>('SELECT secret_hash FROM crm.app_clients');
  assert.equal(stored.rows.length, 1);
  assert.ok(!stored.rows[0]!.secret_hash.includes(clientSecret!));
  const api = await apiClient(
    Object.assign(first.emulator, { clientId, clientSecret: clientSecret! }),
  );
  const users = await api.get('systemusers?$select=fullname,applicationid&$orderby=fullname');
  const names = users.json.value.map((u: { fullname: string }) => u.fullname);
  for (const n of ['Annette Hill', 'Jim Olive', 'Linda Martin', 'SYSTEM', '# Kobling'])
    assert.ok(names.includes(n), n);
  // The salespeople are licensed, interactive users (a filter on the flags finds them; the
  // seed writes straight to the store, so it must set what the table's defaults would).
  const licensed = await api.get(
    'systemusers?$select=fullname&$filter=isdisabled eq false and islicensed eq true and isintegrationuser eq false&$orderby=fullname',
  );
  assert.deepEqual(
    licensed.json.value.map((u: { fullname: string }) => u.fullname),
    ['Annette Hill', 'Jim Olive', 'Linda Martin', 'Linda Torres', 'Peter Saddow'],
  );
  const org = await api.get('organizations?$select=name,_basecurrencyid_value');
  const currency = await api.get(
    `transactioncurrencies(${org.json.value[0]._basecurrencyid_value})?$select=isocurrencycode`,
  );
  assert.equal(
    currency.json.isocurrencycode,
    'EUR',
    'KOBLING_CRM_BASE_CURRENCY, EUR by default like the ERP',
  );
  assert.equal((await api.get("uoms?$filter=name eq 'Primary Unit'")).json.value.length, 1);
  assert.equal((await api.get("uomschedules?$filter=name eq 'Default Unit'")).json.value.length, 1);
  assert.equal((await api.get('pricelevels')).json.value.length, 1);
  assert.equal((await api.get('businessunits')).json.value.length, 1);
  assert.ok((await api.get('teams')).json.value.length >= 1);
  await first.stop();

  const second = await startCrmEmulatorService(ctx);
  try {
    assert.equal(second.details.clientId, clientId);
    assert.equal(second.details.clientSecret, undefined);
    assert.doesNotMatch(second.lines[0]!, /readable only by you/);
    assert.ok(
      await crmToken(second.emulator, clientId, clientSecret!),
      'the first secret still works',
    );
    const count = await db.query(
      "SELECT count(*)::int AS n FROM crm.records WHERE entity = 'organization'",
    );
    assert.equal(count.rows[0]!.n, 1, 'seeded once');
  } finally {
    await second.stop();
  }
});
