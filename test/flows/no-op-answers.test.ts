import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { useFixture } from '../helpers/use-fixture.ts';
import { startOutboundFixture } from './outbound-fixture.ts';

// "No silent success" on the coupling API: an action that had nothing to do says so, and opens no
// synchronization job for nothing.
const t = useFixture(startOutboundFixture);

const jobsOf = async (mapping: string) =>
  (await t.ok('GET', `/jobs?mapping=${encodeURIComponent(mapping)}`)).value.length as number;

test('uncoupling a record that is not coupled says nothing changed; uncoupling a coupled one says it was deleted', async () => {
  const none = await t.api('POST', '/couplings/uncouple', {
    mapping: 'CUSTOMER',
    erpIds: [randomUUID()],
  });
  assert.equal(none.status, 200, none.text);
  assert.deepEqual(none.json, {
    uncoupled: 0,
    message: 'None of the given records was coupled in mapping CUSTOMER; nothing changed',
  });
  assert.ok(await t.crmIdOf(t.company.usd.id), 'the customer is coupled before');
  const one = await t.api('POST', '/couplings/uncouple', {
    mapping: 'CUSTOMER',
    erpIds: [t.company.usd.id],
  });
  assert.deepEqual(one.json, { uncoupled: 1, message: 'Coupling deleted for 1 record' });
  assert.equal(await t.crmIdOf(t.company.usd.id), undefined);
});

test('match-based coupling with every record already coupled opens no job and says why', async () => {
  const before = await jobsOf('UNIT GROUP');
  const r = await t.api('POST', '/couplings/matchBased', { mapping: 'UNIT GROUP' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.jobId, null, r.text);
  assert.equal(r.json.coupled, 0);
  assert.match(
    r.json.message,
    /^Nothing to couple: every Unit Group record in the filter of mapping UNIT GROUP is already coupled; no job was run$/,
  );
  const given = await t.api('POST', '/couplings/matchBased', {
    mapping: 'UNIT GROUP',
    erpIds: [randomUUID()],
  });
  assert.equal(given.json.jobId, null, given.text);
  assert.match(
    given.json.message,
    /^Nothing to couple: none of the given records is an uncoupled Unit Group record/,
  );
  assert.equal(await jobsOf('UNIT GROUP'), before, 'no synchronization job was opened');
});

test('match-based coupling of option values (payment terms, shipment methods, shipping agents) with all coupled opens no job; a new code is coupled in a job', async () => {
  for (const [mapping, kind] of [
    ['PAYMENT TERMS', 'Payment Terms'],
    ['SHIPMENT METHOD', 'Shipment Method'],
    ['SHIPPING AGENT', 'Shipping Agent'],
  ] as const) {
    const before = await jobsOf(mapping);
    const r = await t.api('POST', '/couplings/matchBased', { mapping });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(
      { jobId: r.json.jobId, coupled: r.json.coupled, created: r.json.created },
      { jobId: null, coupled: 0, created: 0 },
      r.text,
    );
    assert.equal(
      r.json.message,
      `Nothing to couple: every ${kind} record in the filter of mapping ${mapping} is already coupled; no job was run`,
    );
    assert.equal(await jobsOf(mapping), before, `${mapping}: no synchronization job was opened`);
  }

  // A code the CRM has no option for yet: something to do, so a job that adds and couples it.
  await t.fx.db.query(
    "INSERT INTO erp.payment_terms (code, display_name, due_date_calculation) VALUES ('NOOP45', '45 days', '45D')",
  );
  const before = await jobsOf('PAYMENT TERMS');
  const r = await t.api('POST', '/couplings/matchBased', { mapping: 'PAYMENT TERMS' });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.jobId, r.text);
  assert.equal(r.json.created, 1, r.text);
  assert.equal(await jobsOf('PAYMENT TERMS'), before + 1);
  const again = await t.api('POST', '/couplings/matchBased', { mapping: 'PAYMENT TERMS' });
  assert.equal(again.json.jobId, null, again.text);
});
