import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEntity } from '../../src/erp/public-api.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { startOutboundFixture } from './outbound-fixture.ts';

const CUSTOMERS = 5000;
const CHANGED = 50;

const t = useFixture(startOutboundFixture, async () => {
  const ids: string[] = [];
  await t.fx.db.transaction(async (tx) => {
    for (let i = 1; i <= CUSTOMERS; i++) {
      const r = await createEntity(tx, 'customers', {
        number: `S${String(i).padStart(5, '0')}`,
        displayName: `Scale customer ${i}`,
        creditLimit: i,
      });
      if (!r.ok) throw new Error(r.error.message);
      ids.push(r.value.id);
    }
  });
  for (let i = 0; i < ids.length; i += 1000) {
    const r = await t.ok('POST', '/createInCrm', {
      mapping: 'CUSTOMER',
      erpIds: ids.slice(i, i + 1000),
    });
    assert.equal(r.created.length, Math.min(1000, ids.length - i), JSON.stringify(r.failed[0]));
  }
});

/** Rows the CRM emulator stored as changed since a moment, per table. */
const statisticsWritesSince = async (since: Date) =>
  Object.fromEntries(
    (
      await t.fx.db.query<{ entity: string; n: number }>(
        `SELECT entity, count(*)::int AS n FROM crm.records
          WHERE entity IN ('nav_accountstatistics', 'account') AND modified_on > $1 GROUP BY entity`,
        [since],
      )
    ).rows.map((r) => [r.entity, r.n]),
  );

test(`the statistics job for ${CUSTOMERS} customers where ${CHANGED} changed touches only those ${CHANGED}`, async () => {
  const first = await t.ok('POST', '/scheduledJobs/CUSTOMER%20STATISTICS/run', { wait: true });
  assert.equal(first.didWork, true);
  assert.equal(first.customers, CUSTOMERS + 2, 'first upload: every coupled customer');
  assert.equal(first.crmWrites, 2 * (CUSTOMERS + 2), 'a statistics row and its link per account');

  const quiet = await t.ok('POST', '/scheduledJobs/CUSTOMER%20STATISTICS/run', { wait: true });
  assert.equal(quiet.didWork, false, 'nothing changed: nothing to do');
  assert.match(quiet.message, /Nothing to do/);

  const before = new Date(Date.now() - 1);
  for (let i = 1; i <= CHANGED; i++) {
    const n = `S${String(i * 97).padStart(5, '0')}`;
    const paid = await t.erp.post('customerPayments', { customerNumber: n, amount: i });
    assert.equal(paid.status, 201, JSON.stringify(paid.body));
  }
  const second = await t.ok('POST', '/scheduledJobs/CUSTOMER%20STATISTICS/run', { wait: true });
  assert.equal(second.didWork, true);
  assert.equal(second.customers, CHANGED);
  assert.equal(second.crmWrites, CHANGED, 'one write per changed customer');
  const written = await statisticsWritesSince(before);
  assert.deepEqual(
    written,
    { nav_accountstatistics: CHANGED },
    'only the changed customers’ statistics rows changed in the CRM, and no account',
  );
  const sample = await t.crmList('nav_accountstatisticses', "nav_customerno eq 'S00097'");
  assert.equal(sample[0]!.nav_balancelcy, -1, 'an open payment of 1.00 is a balance of -1.00');

  const jobs = await t.ok('GET', '/jobs?mapping=CUSTOMER%20STATISTICS');
  assert.equal(jobs.value[0].modified, CHANGED);
  assert.match(jobs.value[0].message, /Updated account statistics of 50 customer/);
});
