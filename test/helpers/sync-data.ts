import assert from 'node:assert/strict';
import type { Queryable } from '../../src/db/db.ts';
import { createApiToken } from '../../src/server/auth/credentials.ts';
import { createUser } from '../../src/server/auth/users.ts';
import { newId } from '../../src/shared/ids.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import type { PassDirection } from '../../src/sync/model.ts';
import { createInCrm } from '../../src/sync/service/create-in.ts';
import { type SyncFixture, startSyncFixture } from '../sync/sync-fixture.ts';
import { runKobling } from './cli.ts';
import { testConfig } from './server.ts';
import { useFixture } from './use-fixture.ts';

/** A count read with SQL that answers one row with `n`. */
export const countWith =
  (db: Queryable) =>
  async (sql: string, params: unknown[] = []): Promise<number> =>
    (await db.query<{ n: number }>(sql, params)).rows[0]!.n;

/**
 * CUSTOMER creates sent (or on their way) to the CRM whose couplings are not written yet: the ids
 * in the create journal (migration sync 020).
 */
export const CUSTOMER_CREATES_IN_FLIGHT = `SELECT coalesce(sum(cardinality(crm_ids)), 0)::int AS n
  FROM integration.crm_create_journal WHERE mapping_name = 'CUSTOMER'`;

/**
 * Inserts `n` ERP customers numbered `number` + 00001… and named `name` + " 1"…, all in `city`;
 * returns their ids.
 */
export async function insertCustomers(
  db: Queryable,
  n: number,
  names: { number: string; name: string; city: string },
): Promise<string[]> {
  const r = await db.query<{ id: string }>(
    `INSERT INTO erp.customers (number, display_name, city)
     SELECT $2::text || lpad(g::text, 5, '0'), $3::text || ' ' || g, $4 FROM generate_series(1, $1) g
     RETURNING id`,
    [n, names.number, names.name, names.city],
  );
  return r.rows.map((x) => x.id);
}

/** Accounts a salesperson made in the CRM before the integration, one per name. */
export async function createAccounts(
  fx: SyncFixture,
  names: readonly string[],
  fields: Record<string, unknown> = {},
): Promise<void> {
  const made = await fx.user.executeBatch(
    names.map((name) => ({
      kind: 'create' as const,
      entitySet: 'accounts',
      id: newId(),
      record: { name, customertypecode: 3, ...fields },
    })),
  );
  assert.ok(made.every((r) => r.ok));
}

/**
 * The sync fixture connected with `secretKey`, the CUSTOMER mapping synchronizing every customer
 * both ways, and an admin `username`: the setting of a test that runs CUSTOMER through a spawned
 * `kobling start`. Returns the admin's API token.
 */
export async function connectCustomersBothWays(
  fx: SyncFixture,
  options: { secretKey: string; username: string },
): Promise<string> {
  await fx.connect(testConfig({ KOBLING_SECRET_KEY: options.secretKey }));
  await fx.setMapping({
    ...fx.mapping('CUSTOMER'),
    syncOnlyCoupled: false,
    direction: 'Bidirectional',
  });
  const user = await createUser(fx.db, {
    username: options.username,
    password: 'correct horse battery',
    role: 'admin',
  });
  assert.ok(user.ok);
  return createApiToken(fx.db, user.value.id);
}

/** The CUSTOMER mapping synchronizes every customer (not only coupled ones), one way only. */
export async function allCustomersOneWay(
  fx: SyncFixture,
  direction: 'ToIntegrationTable' | 'FromIntegrationTable' = 'ToIntegrationTable',
): Promise<void> {
  await fx.setMapping({ ...fx.mapping('CUSTOMER'), syncOnlyCoupled: false, direction });
}

/**
 * The sync fixture connected with `secretKey`, the CUSTOMER mapping sending every customer and `n`
 * customers to send; `env` runs the CLI and workers on it.
 */
export async function startCustomerSend(options: {
  secretKey: string;
  n: number;
  customers: { number: string; name: string; city: string };
}) {
  const fx = await startSyncFixture();
  await fx.connect(testConfig({ KOBLING_SECRET_KEY: options.secretKey }));
  await allCustomersOneWay(fx);
  await insertCustomers(fx.db, options.n, options.customers);
  return { ...fx, env: { DATABASE_URL: fx.db.url, KOBLING_SECRET_KEY: options.secretKey } };
}

/**
 * Runs `kobling sync CUSTOMER --json` until a run inserts nothing and fails nothing, at most `runs`
 * times; every run exits 0 and prints nothing that matches `refused`. Returns whether the runs
 * settled and what each printed.
 */
export async function syncUntilQuiet(
  env: Record<string, string>,
  runs: number,
  refused: RegExp,
): Promise<{ quiet: boolean; outputs: string[] }> {
  let quiet = false;
  const outputs: string[] = [];
  for (let run = 0; run < runs && !quiet; run++) {
    const r = await runKobling(['sync', 'CUSTOMER', '--json'], env);
    outputs.push(r.output);
    // Records that failed exit 1 after the report (a pass that failed is not expected here).
    const failedRecords = /^error \[sync_failed\]: \d+ records? of CUSTOMER failed .*$/m;
    assert.ok(r.code === 0 || (r.code === 1 && failedRecords.test(r.output)), r.output);
    assert.doesNotMatch(r.output, refused, r.output);
    const json = r.output.replace(failedRecords, '');
    const reports = JSON.parse(json.slice(json.indexOf('['))) as {
      counters: Record<string, number>;
    }[];
    quiet = reports.every((p) => p.counters.inserted === 0 && p.counters.failed === 0);
  }
  return { quiet, outputs };
}

/**
 * Every CUSTOMER coupling is coupled and not skipped, `n` of them, and the CRM has one account per
 * customer (assertOneAccountEach).
 */
export async function assertCoupledOnce(db: Queryable, n: number, name: string): Promise<void> {
  const count = countWith(db);
  assert.equal(
    await count(
      "SELECT count(*)::int AS n FROM integration.couplings WHERE mapping_name = 'CUSTOMER' AND state = 'coupled' AND NOT skipped",
    ),
    n,
    'every record coupled, none skipped',
  );
  assert.equal(
    await count(
      "SELECT count(*)::int AS n FROM integration.couplings WHERE mapping_name = 'CUSTOMER' AND (state <> 'coupled' OR skipped)",
    ),
    0,
    'no pending or skipped coupling left',
  );
  assert.equal(await count(CUSTOMER_CREATES_IN_FLIGHT), 0, 'no create left unsettled');
  await assertOneAccountEach(db, n, name);
}

/** The CRM has `n` accounts named `name` + " …", with `n` different names: no duplicate. */
export async function assertOneAccountEach(db: Queryable, n: number, name: string): Promise<void> {
  const accounts = await db.query<{ n: number; names: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT data->>'name')::int AS names FROM crm.records
     WHERE entity = 'account' AND data->>'name' LIKE $1`,
    [`${name} %`],
  );
  assert.deepEqual(accounts.rows[0], { n, names: n }, 'one CRM account per customer: no duplicate');
}

/**
 * Customers inserted by `insertSql` (a statement answering their `id`s in order), created in the
 * CRM and coupled, then synchronized once: each one's ERP and CRM id.
 */
export async function coupledCustomers(
  fx: SyncFixture,
  insertSql: string,
): Promise<{ erp: string; crm: string }[]> {
  const r = await fx.db.query<{ id: string }>(insertSql);
  const created = await createInCrm(
    fx.ctx,
    fx.mapping('CUSTOMER'),
    r.rows.map((x) => x.id),
  );
  assert.deepEqual(created.failed, []);
  await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  return r.rows.map((x) => ({
    erp: x.id,
    crm: created.created.find((c) => c.erpId === x.id)!.crmId,
  }));
}

/** A customer's fields the CUSTOMER mapping carries, by their names in the ERP. */
type CustomerField = 'city' | 'website' | 'email';
const ACCOUNT_COLUMN: Record<CustomerField, string> = {
  city: 'address1_city',
  website: 'websiteurl',
  email: 'emailaddress1',
};

/** The CRM account's values of `fields` (read through the integration's CRM port). */
export async function accountFields<F extends CustomerField>(
  fx: SyncFixture,
  id: string,
  fields: readonly F[],
): Promise<Record<F, unknown>> {
  const r = await fx.ctx.crm.get('account', [id]);
  assert.ok(r.ok);
  const v = r.value.get(id)!.values;
  return Object.fromEntries(fields.map((f) => [f, v[ACCOUNT_COLUMN[f]]])) as Record<F, unknown>;
}

/** The ERP customer's values of `fields`. */
export async function customerFields<F extends CustomerField>(
  db: Queryable,
  id: string,
  fields: readonly F[],
): Promise<Record<F, string | null>> {
  const r = await db.query<Record<F, string | null>>(
    `SELECT ${fields.join(', ')} FROM erp.customers WHERE id = $1`,
    [id],
  );
  return r.rows[0]!;
}

/** A coupled customer's ERP and CRM id. */
export interface CoupledPair {
  readonly erp: string;
  readonly crm: string;
}

/** Longer than the ERP's website field (80 characters) takes: the ERP refuses to write it. */
export const LONG_WEBSITE = `https://${'x'.repeat(100)}.example`;
/** Longer than the CRM's emailaddress1 (100 characters): the CRM refuses to write it. */
export const LONG_EMAIL = `${'y'.repeat(110)}@example.com`;

/**
 * The sync fixture of a policy `ask` test file (CUSTOMER's update conflicts, its default) with the
 * customers `insertSql` inserts coupled (coupledCustomers), one pair per scenario. Registered as
 * the file's hooks (useFixture): both fill in `before`.
 */
export function useAskCustomers(insertSql: string): { fx: SyncFixture; pairs: CoupledPair[] } {
  const pairs: CoupledPair[] = [];
  const fx = useFixture(startSyncFixture, async (f) => {
    assert.equal(f.mapping('CUSTOMER').updateConflict, 'ask');
    pairs.push(...(await coupledCustomers(f, insertSql)));
  });
  return { fx, pairs };
}

/** A CUSTOMER run of the pair's records only: both passes or `only` one, `force`d or not. */
export const runPair = (fx: SyncFixture, p: CoupledPair, only?: PassDirection, force?: boolean) =>
  runMapping(fx.ctx, fx.mapping('CUSTOMER'), {
    erpIds: [p.erp],
    crmIds: [p.crm],
    ...(only ? { only } : {}),
    ...(force ? { force } : {}),
  });

/** A coupling's open conflict inbox entries, by ERP field. */
export async function openConflicts(db: Queryable, couplingId: string) {
  return (
    await db.query<{ erp_field: string; erp_value: unknown; crm_value: unknown }>(
      `SELECT erp_field, erp_value, crm_value FROM integration.conflicts
        WHERE coupling_id = $1 AND state = 'open' ORDER BY erp_field`,
      [couplingId],
    )
  ).rows;
}
