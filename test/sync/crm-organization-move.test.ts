import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { RunningCrmEmulator } from '../../src/crm-emulator/server.ts';
import { saveConnection, testConnection } from '../../src/integration/connection-service.ts';
import { MOVED_LINE_MESSAGE } from '../../src/integration/full-sync/full-sync-lines.ts';
import {
  advance,
  reviewLines,
  startFullSync,
} from '../../src/integration/full-sync/full-sync-service.ts';
import { integrationStatus } from '../../src/integration/status/mapping-status.ts';
import { runMappingJob } from '../../src/integration/sync-jobs.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { readConnection } from '../../src/sync/connection/connection-repo.ts';
import { crmClientFor } from '../helpers/crm-client.ts';
import { connectionSettings, startIntegrationEmulator } from '../helpers/crm-emulator.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { settledLines, startFullSyncSetting } from '../helpers/full-sync.ts';
import { callJson, startTestServer } from '../helpers/server.ts';
import { insertCustomers } from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';

const N = 40;

/**
 * The integration synchronized with organization A (the fixture's emulator); organization B is a
 * second emulator over a database of its own, so it has an organization id of its own.
 */
const t = useFixture(async () => {
  const setting = await startFullSyncSetting({
    secretKey: 'o'.repeat(40),
    seed: async (fx) => {
      await insertCustomers(fx.db, N, { number: 'M', name: 'Moving customer', city: 'Bergen' });
    },
  });
  const orgDb = await createMigratedDb('org_b');
  const b = await startIntegrationEmulator(orgDb);
  return {
    ...setting,
    b,
    orgDb,
    async close() {
      await b.emulator.stop();
      await orgDb.drop();
      await setting.close();
    },
  };
});

const couplingPairs = async () =>
  (
    await t.fx.db.query<{ pair: string }>(
      "SELECT erp_id || '>' || crm_id AS pair FROM integration.couplings WHERE mapping_name = 'CUSTOMER' ORDER BY 1",
    )
  ).rows.map((r) => r.pair);

const orgIdOf = async (emulatorDb: { query: typeof t.fx.db.query }) =>
  (
    await emulatorDb.query<{ id: string }>(
      "SELECT id FROM crm.records WHERE entity = 'organization' LIMIT 1",
    )
  ).rows[0]!.id;

const settingsOf = (e: RunningCrmEmulator, c: { clientId: string; clientSecret: string }) =>
  connectionSettings(e, c);

test('moving to another organization sets A aside, recommends a full synchronization of every line, and moving back restores A', async () => {
  const tested = await testConnection(t.deps);
  assert.ok(tested.ok && tested.value.ok, JSON.stringify(tested));
  const orgA = await orgIdOf(t.fx.db);
  assert.equal((await readConnection(t.fx.db)).crmOrganizationId, orgA);
  const started = await startFullSync(t.deps, t.boss);
  assert.ok(started.ok, started.ok ? '' : started.error.message);
  const inA = await settledLines(t.deps);
  assert.equal(inA.find((l) => l.mapping === 'CUSTOMER')?.status, 'Finished');
  const pairsA = await couplingPairs();
  assert.equal(pairsA.length, N);
  const allInA = (
    await t.fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM integration.couplings')
  ).rows[0]!.n;
  // A run cut off in A left creates unsettled in the create journal: they belong to A.
  const journalId = randomUUID();
  await t.fx.db.query(
    `INSERT INTO integration.crm_create_journal (id, mapping_name, job_id, coupling_ids, erp_ids, crm_ids)
     VALUES ($1, 'CUSTOMER', $2, $3::uuid[], $3::uuid[], $3::uuid[])`,
    [journalId, randomUUID(), [randomUUID()]],
  );
  const journal = async () =>
    (await t.fx.db.query<{ id: string }>('SELECT id FROM integration.crm_create_journal')).rows.map(
      (r) => r.id,
    );

  // To organization B.
  const moved = await saveConnection(t.deps, settingsOf(t.b.emulator, t.b.integration));
  assert.ok(moved.ok, moved.ok ? '' : moved.error.message);
  const orgB = (await readConnection(t.fx.db)).crmOrganizationId!;
  assert.notEqual(orgB, orgA);
  assert.match(moved.value.notice ?? '', /another Dynamics 365 organization/);
  assert.match(moved.value.notice ?? '', new RegExp(`${allInA} couplings?\\b`));
  assert.match(moved.value.notice ?? '', /set aside, not deleted/);
  assert.match(moved.value.notice ?? '', /full synchronization/);

  const review = await reviewLines(t.deps, { addMissing: true });
  assert.equal(review.length, inA.length, 'a line for every mapping that had one');
  for (const l of review) {
    assert.equal(l.status, 'Pending', `${l.mapping} is to be synchronized in B`);
    assert.equal(l.message, MOVED_LINE_MESSAGE);
  }
  const customerLine = review.find((l) => l.mapping === 'CUSTOMER')!;
  assert.equal(customerLine.erpCount, N, 'counted again right after the move');
  assert.equal(customerLine.crmCount, 0, "B's accounts, not A's");
  assert.equal(customerLine.recommendation, 'FullSynchronization');
  assert.deepEqual(await couplingPairs(), [], "A's couplings are not used against B");
  assert.deepEqual(await journal(), [], "A's unsettled creates are not settled against B");
  const w = await t.fx.db.query<{ crm_watermark: string | null }>(
    "SELECT crm_watermark FROM integration.table_mappings WHERE name = 'CUSTOMER'",
  );
  assert.equal(w.rows[0]?.crm_watermark, null, "A's delta token is not handed to B");
  const regular = await runMappingJob(t.deps, { mapping: 'SALESPRC-PRODPRICE' });
  assert.equal(regular.ran, false, 'regular runs wait for the full synchronization in B');
  assert.match(regular.reason ?? '', /moved to another Dynamics 365 organization/);
  const status = await integrationStatus(t.fx.db, systemClock);
  assert.ok(
    status.warnings.some((w) => /^CUSTOMER: waits for its full synchronization/.test(w)),
    status.warnings.join('\n'),
  );

  // The every-minute scheduler's advance starts no line: only Start does.
  assert.deepEqual(await advance(t.deps, t.boss), [], 'no line starts by itself after a move');
  assert.ok(
    (await reviewLines(t.deps)).every(
      (l) => l.status === 'Pending' && l.message === MOVED_LINE_MESSAGE,
    ),
    'every line still waits for Start',
  );

  // The full synchronization in B creates every customer there, coupled to B's own records.
  const again = await startFullSync(t.deps, t.boss);
  assert.ok(again.ok, again.ok ? '' : again.error.message);
  const inB = await settledLines(t.deps);
  const customerInB = inB.find((l) => l.mapping === 'CUSTOMER')!;
  assert.equal(customerInB.status, 'Finished', customerInB.message ?? '');
  assert.equal(
    (await integrationStatus(t.fx.db, systemClock)).warnings.filter((w) =>
      w.includes('waits for its full synchronization'),
    ).length,
    0,
    'once synchronized in B, nothing waits',
  );
  const clientB = crmClientFor(t.b.emulator, t.b.integration);
  const accountsB = await clientB.collectAll<{ accountid: string }>('accounts', {
    select: ['accountid'],
    filter: "startswith(name,'Moving customer')",
  });
  assert.ok(accountsB.ok);
  assert.equal(accountsB.value.length, N, 'one account each in B');
  const pairsB = await couplingPairs();
  assert.equal(pairsB.length, N);
  const idsB = new Set(accountsB.value.map((a) => a.accountid));
  assert.ok(
    pairsB.every((p) => idsB.has(p.split('>')[1]!)),
    "every coupling names a record of B's",
  );

  // Back to A: its couplings and finished lines return, B's are set aside.
  const back = await saveConnection(t.deps, t.fx.connection);
  assert.ok(back.ok, back.ok ? '' : back.error.message);
  assert.equal((await readConnection(t.fx.db)).crmOrganizationId, orgA);
  assert.match(back.value.notice ?? '', /synchronized before/);
  assert.deepEqual(await couplingPairs(), pairsA, "A's couplings, exactly as they were");
  assert.deepEqual(await journal(), [journalId], "A's unsettled creates are back with them");
  await t.fx.db.query('DELETE FROM integration.crm_create_journal');
  const backLines = await reviewLines(t.deps);
  assert.equal(backLines.find((l) => l.mapping === 'CUSTOMER')?.status, 'Finished');
  const asideB = await t.fx.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM integration.organization_set_aside WHERE organization_id = $1 AND kind = 'couplings'",
    [orgB],
  );
  assert.ok((asideB.rows[0]?.n ?? 0) >= N, "B's couplings wait for a move back to B");
  const accountsA = await t.fx.client.collectAll<{ accountid: string }>('accounts', {
    select: ['accountid'],
    filter: "startswith(name,'Moving customer')",
  });
  assert.ok(accountsA.ok);
  assert.equal(accountsA.value.length, N, 'nothing was created twice in A');
});

test('a new address of the same organization keeps couplings, lines and watermarks', async () => {
  const pairs = await couplingPairs();
  const lines = await reviewLines(t.deps);
  const local = {
    ...t.fx.connection,
    crmUrl: t.fx.emulator.baseUrl.replace('127.0.0.1', 'localhost'),
    authorityUrl: t.fx.emulator.authority.replace('127.0.0.1', 'localhost'),
  };
  const moved = await saveConnection(t.deps, local);
  assert.ok(moved.ok, moved.ok ? '' : moved.error.message);
  assert.match(moved.value.notice ?? '', /same organization/);
  assert.deepEqual(await couplingPairs(), pairs);
  assert.deepEqual(
    (await reviewLines(t.deps)).map((l) => [l.mapping, l.status, l.finishedAt]),
    lines.map((l) => [l.mapping, l.status, l.finishedAt]),
  );
});

test('a move to another organization while a mapping is being synchronized, or a recurring job sends, is refused whole', async () => {
  const before = await readConnection(t.fx.db);
  const pairs = await couplingPairs();
  // The keys a mapping's run and a recurring job's run hold (withMappingLock, RECURRING_JOB_LOCK).
  for (const busy of [
    { key: "hashtext('kobling.sync:' || $1)", name: 'CUSTOMER', says: /mapping CUSTOMER is being/ },
    {
      key: "hashtext('kobling.flow:' || $1)",
      name: 'CUSTOMER STATISTICS',
      says: /job CUSTOMER STATISTICS is sending/,
    },
  ]) {
    const holder = await t.fx.db.pool.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(${busy.key})`, [busy.name]);
      const moved = await saveConnection(t.deps, settingsOf(t.b.emulator, t.b.integration));
      assert.equal(moved.ok, false);
      assert.equal(moved.ok ? '' : moved.error.code, 'mapping_busy');
      assert.match(moved.ok ? '' : moved.error.message, busy.says);
      assert.match(moved.ok ? '' : moved.error.message, /nothing was changed/);
    } finally {
      await holder.query(`SELECT pg_advisory_unlock(${busy.key})`, [busy.name]);
      holder.release();
    }
    const after = await readConnection(t.fx.db);
    assert.equal(after.crmUrl, before.crmUrl, 'the address was not saved either');
    assert.equal(after.crmOrganizationId, before.crmOrganizationId);
    assert.deepEqual(await couplingPairs(), pairs);
  }
});

test('PATCH /connection answers the move in plain words and GET /connection keeps saying it', async () => {
  const server = await startTestServer(t.fx.db, undefined, { KOBLING_SECRET_KEY: 'o'.repeat(40) });
  try {
    const admin = await server.tokenFor('admin');
    const call = (method: string, body?: unknown) =>
      callJson(`${server.baseUrl}/api/integration/v1/connection`, method, admin, body);
    const toB = await call('PATCH', settingsOf(t.b.emulator, t.b.integration));
    assert.equal(toB.status, 200, toB.text);
    assert.match(toB.json.notice, /which this integration synchronized before/);
    const orgB = await orgIdOf(t.orgDb);
    const read = await call('GET');
    assert.equal(read.json.crmOrganizationId, orgB);
    assert.equal(read.json.crmOrganizationMove.to, orgB);
    assert.equal(read.json.crmOrganizationMove.returned, true);
    assert.ok(read.json.crmOrganizationMove.restored.couplings >= N);
    const toA = await call('PATCH', t.fx.connection);
    assert.equal(toA.status, 200, toA.text);
    assert.match(toA.json.notice, /set aside, not deleted/);
    assert.equal((await call('GET')).json.crmOrganizationMove.to, await orgIdOf(t.fx.db));

    // Run now waits like every regular run while the mapping's full synchronization is at work.
    const runNow = () =>
      callJson(
        `${server.baseUrl}/api/integration/v1/tableMappings/CUSTOMER/runNow`,
        'POST',
        admin,
        {},
      );
    await t.fx.db.query(
      "UPDATE integration.full_sync_lines SET status = 'Queued' WHERE mapping_name = 'CUSTOMER'",
    );
    const held = await runNow();
    assert.equal(held.status, 409, held.text);
    assert.equal(held.json.error.code, 'mapping_held');
    assert.match(held.json.error.message, /full synchronization is queued or running/);
    await t.fx.db.query(
      "UPDATE integration.full_sync_lines SET status = 'Finished' WHERE mapping_name = 'CUSTOMER'",
    );
    const ran = await runNow();
    assert.equal(ran.status, 200, ran.text);
    assert.ok(Array.isArray(ran.json.jobs));
  } finally {
    await server.close();
  }
});

test('an address whose organization cannot be asked is saved with a warning in the status and on the connection until a test identifies it', async () => {
  const before = await readConnection(t.fx.db);
  const pairs = await couplingPairs();
  // A port nobody listens on: the WhoAmI before the save cannot reach it.
  const closed = 'http://127.0.0.1:9';
  const saved = await saveConnection(t.deps, { ...t.fx.connection, crmUrl: closed });
  assert.ok(saved.ok, saved.ok ? '' : saved.error.message);
  assert.match(saved.value.notice ?? '', /could not be identified/);
  const after = await readConnection(t.fx.db);
  assert.equal(after.crmUrl, closed);
  assert.equal(after.crmOrganizationId, before.crmOrganizationId, 'not moved');
  assert.equal(after.crmOrganizationUnidentified?.crmUrl, closed);
  assert.deepEqual(await couplingPairs(), pairs, 'kept until the organization is known');
  const warned = (await integrationStatus(t.fx.db, systemClock)).warnings;
  assert.match(
    warned[0] ?? '',
    new RegExp(
      `^The organization at ${closed} is not identified yet .*organization ${before.crmOrganizationId} are still in use`,
      's',
    ),
    warned.join('\n'),
  );
  const server = await startTestServer(t.fx.db, undefined, { KOBLING_SECRET_KEY: 'o'.repeat(40) });
  try {
    const admin = await server.tokenFor('admin', 'admin-unidentified');
    const api = `${server.baseUrl}/api/integration/v1`;
    const read = await callJson(`${api}/connection`, 'GET', admin);
    assert.equal(read.json.crmOrganizationUnidentified.crmUrl, closed);
    const status = await callJson(`${api}/status`, 'GET', admin);
    assert.match(status.json.warnings[0], /is not identified yet/);
    const page = await fetch(`${server.baseUrl}/setup/connection`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /banner warning[\s\S]*is not identified yet/);
  } finally {
    await server.close();
  }
  const tested = await testConnection(t.deps);
  assert.ok(tested.ok && !tested.value.ok, 'still unreachable');
  assert.ok((await readConnection(t.fx.db)).crmOrganizationUnidentified, 'still not identified');

  // Back at an address that answers: identified (the same organization), the warning ends.
  const back = await saveConnection(t.deps, t.fx.connection);
  assert.ok(back.ok, back.ok ? '' : back.error.message);
  assert.match(back.value.notice ?? '', /same organization/);
  assert.equal((await readConnection(t.fx.db)).crmOrganizationUnidentified, null);
  assert.ok(
    !(await integrationStatus(t.fx.db, systemClock)).warnings.some((w) =>
      w.includes('not identified yet'),
    ),
  );
});
