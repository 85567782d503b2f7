import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LookupTranslator } from '../../src/sync/engine/field-transfer.ts';
import {
  type Destination,
  type PlanSettings,
  planRecord,
} from '../../src/sync/engine/plan-records.ts';
import { defaultMappings } from '../../src/sync/mappings/default-mappings.ts';
import type { Coupling, TableMapping } from '../../src/sync/model.ts';
import type { CrmRecord, ErpRecord } from '../../src/sync/ports.ts';

// A mapping with two plain text fields: planning never needs a lookup here.
const base = defaultMappings({
  ownershipModel: 'Team',
  unitGroupMapping: false,
  salesOrderIntegration: false,
}).find((m) => m.name === 'CUSTOMER')!;
const customer: TableMapping = {
  ...base,
  erpFilter: [],
  crmFilter: [],
  syncOnlyCoupled: false,
  fields: base.fields.filter((f) => f.erpField === 'displayName' || f.erpField === 'city'),
};
const noLookups: LookupTranslator = {
  translate: () => Promise.reject(new Error('no lookup expected')),
};
const settings = (m: TableMapping, opts: PlanSettings['opts'] = {}): PlanSettings => ({
  m,
  pass: 'ToIntegrationTable',
  opts,
  lookups: noLookups,
  destinationActor: 'integration-user',
});
const erp = (changeSeq: number, values: Record<string, unknown>): ErpRecord => ({
  id: 'e1',
  changeSeq,
  modifiedBy: 'user',
  values,
});
const crm = (
  version: number,
  values: Record<string, unknown>,
  modifiedBy = 'someone',
): CrmRecord => ({
  id: 'c1',
  version,
  modifiedBy,
  values,
});
const coupling = (over: Partial<Coupling> = {}): Coupling => ({
  id: 'k1',
  mappingName: 'CUSTOMER',
  erpTable: 'customers',
  erpId: 'e1',
  crmEntity: 'account',
  crmId: 'c1',
  state: 'coupled',
  pendingSide: 'crm',
  lastSyncedErpSeq: 10,
  lastSyncedCrmVersion: 100,
  lastResultToErp: null,
  lastResultToCrm: null,
  lastErrorToErp: null,
  lastErrorToCrm: null,
  lastJobToErp: null,
  lastJobToCrm: null,
  skipped: false,
  reverseDue: null,
  ...over,
});
const found = (record: CrmRecord): Destination<CrmRecord> => ({ kind: 'found', record });
const values = { displayName: 'Contoso', city: 'Oslo' };
const crmValues = { name: 'Contoso', address1_city: 'Oslo' };

test('an uncoupled record is created with every mapped field, unless only coupled records sync', async () => {
  const create = await planRecord(settings(customer), {
    source: erp(11, values),
    coupling: undefined,
    destination: { kind: 'none' },
  });
  assert.deepEqual(create.action, { kind: 'create', values: crmValues });
  const ignored = await planRecord(settings({ ...customer, syncOnlyCoupled: true }), {
    source: erp(11, values),
    coupling: undefined,
    destination: { kind: 'none' },
  });
  assert.deepEqual(ignored.action, { kind: 'ignore', reason: 'only-coupled' });
});

test('a pending coupling is created again under its own id; a skipped one is skipped', async () => {
  const pending = coupling({ state: 'pending' });
  const retry = await planRecord(settings({ ...customer, syncOnlyCoupled: true }), {
    source: erp(11, values),
    coupling: pending,
    destination: { kind: 'none' },
  });
  assert.equal(retry.action.kind, 'create');
  assert.equal(retry.coupling, pending);
  const skipped = await planRecord(settings(customer), {
    source: erp(11, values),
    coupling: coupling({ skipped: true }),
    destination: found(crm(100, {})),
  });
  assert.deepEqual(skipped.action, { kind: 'skip', reason: 'coupling-skipped' });
});

test('a coupled record: unchanged, update of the differing fields, or ignored for another mapping', async () => {
  const same = await planRecord(settings(customer), {
    source: erp(10, values),
    coupling: coupling(),
    destination: found(crm(100, crmValues)),
  });
  assert.deepEqual(same.action, { kind: 'unchanged', markSynced: false });
  const update = await planRecord(settings(customer), {
    source: erp(11, { ...values, city: 'Bergen' }),
    coupling: coupling(),
    destination: found(crm(100, crmValues)),
  });
  assert.deepEqual(update.action, { kind: 'update', changes: { address1_city: 'Bergen' } });
  const other = await planRecord(settings(customer), {
    source: erp(11, values),
    coupling: coupling({ mappingName: 'CONTACT' }),
    destination: found(crm(100, crmValues)),
  });
  assert.deepEqual(other.action, { kind: 'ignore', reason: 'other-mapping' });
});

test('both sides changed: the policy decides, and an echo of the integration is no change', async () => {
  const both = {
    source: erp(11, { ...values, city: 'Bergen' }),
    coupling: coupling(),
    destination: found(crm(101, { ...crmValues, address1_city: 'Trondheim' })),
  };
  const none = await planRecord(settings({ ...customer, updateConflict: 'None' }), both);
  assert.equal(none.action.kind, 'fail');
  const get = await planRecord(settings({ ...customer, updateConflict: 'GetUpdate' }), both);
  assert.deepEqual(get.action, { kind: 'skip', reason: 'conflict-lost' });
  const echo = await planRecord(settings({ ...customer, updateConflict: 'None' }), {
    ...both,
    destination: found(crm(101, { ...crmValues, address1_city: 'Trondheim' }, 'integration-user')),
  });
  assert.deepEqual(echo.action, { kind: 'update', changes: { address1_city: 'Bergen' } });
});

test('deletion conflicts are data: fail, uncouple, or restore by creating under a new coupling', async () => {
  const gone = {
    source: erp(11, values),
    coupling: coupling(),
    destination: { kind: 'deleted' },
  } as const;
  const fail = await planRecord(settings({ ...customer, deletionConflict: 'None' }), gone);
  assert.equal(fail.action.kind, 'fail');
  assert.equal(fail.dropCoupling, undefined);
  const uncouple = await planRecord(
    settings({ ...customer, deletionConflict: 'RemoveCoupling' }),
    gone,
  );
  assert.deepEqual(uncouple.action, { kind: 'uncouple' });
  assert.equal(uncouple.dropCoupling?.id, 'k1');
  const restore = await planRecord(
    settings({ ...customer, deletionConflict: 'RestoreRecords' }),
    gone,
  );
  assert.deepEqual(restore.action, { kind: 'create', values: crmValues });
  assert.equal(restore.coupling, undefined);
  assert.equal(restore.dropCoupling?.id, 'k1');
});

test('policy ask: each field goes the way it changed, a field changed on both sides is held', async () => {
  const ask = settings({ ...customer, updateConflict: 'ask' });
  const agreedOn = { name: 'Contoso', address1_city: 'Oslo' };
  // The ERP renamed the customer, the CRM moved the account: both sides changed, no field twice.
  const split = await planRecord(ask, {
    source: erp(11, { displayName: 'Contoso ERP', city: 'Oslo' }),
    coupling: coupling(),
    destination: found(crm(101, { name: 'Contoso', address1_city: 'Bergen' })),
    ask: { baseline: agreedOn, open: new Set() },
  });
  assert.deepEqual(split.action, {
    kind: 'update',
    changes: { name: 'Contoso ERP' },
    reverseDue: true,
  });
  assert.deepEqual(split.ask?.conflicts, []);
  assert.deepEqual(split.ask?.counterpart, { city: 'Bergen' }, 'the CRM change goes back');
  assert.deepEqual(split.ask?.baseline, { name: 'Contoso ERP', address1_city: 'Bergen' });

  // Both changed the city: held with both values; the agreed city stays the old one.
  const held = await planRecord(ask, {
    source: erp(11, { displayName: 'Contoso ERP', city: 'Stavanger' }),
    coupling: coupling(),
    destination: found(crm(101, { name: 'Contoso', address1_city: 'Bergen' })),
    ask: { baseline: agreedOn, open: new Set() },
  });
  assert.deepEqual(held.action, {
    kind: 'update',
    changes: { name: 'Contoso ERP' },
    reverseDue: true,
  });
  assert.deepEqual(held.ask?.conflicts, [
    {
      erpField: 'city',
      crmField: 'address1_city',
      erpValue: 'Stavanger',
      crmValue: 'Bergen',
      crmValueInErp: 'Bergen',
    },
  ]);
  assert.equal(held.ask?.baseline.address1_city, 'Oslo');

  // Without agreed values nothing is guessed: every differing field is held.
  const unknown = await planRecord(ask, {
    source: erp(11, { displayName: 'Contoso ERP', city: 'Oslo' }),
    coupling: coupling(),
    destination: found(crm(101, { name: 'Contoso', address1_city: 'Bergen' })),
  });
  assert.deepEqual(unknown.action, { kind: 'unchanged', markSynced: true, reverseDue: true });
  assert.deepEqual(unknown.ask?.conflicts.map((c) => c.erpField).sort(), ['city', 'displayName']);

  // An open entry holds its field even when only one side changed since.
  const open = await planRecord(ask, {
    source: erp(11, { displayName: 'Contoso', city: 'Stavanger' }),
    coupling: coupling(),
    destination: found(crm(100, agreedOn)),
    ask: { baseline: agreedOn, open: new Set(['city|address1_city']) },
  });
  assert.deepEqual(open.action, { kind: 'unchanged', markSynced: true });
  assert.equal(open.ask?.conflicts[0]?.erpValue, 'Stavanger', 'the entry gets the new value');
});

test('a plan that writes over a change of the destination makes the other pass due; that pass compares the record', async () => {
  // creditLimit flows only to the CRM, the phone only to the ERP: no field differs both ways.
  const oneWay: TableMapping = {
    ...customer,
    updateConflict: 'None',
    fields: [
      ...customer.fields,
      base.fields.find((f) => f.erpField === 'creditLimit')!,
      {
        ...base.fields.find((f) => f.erpField === 'phoneNumber')!,
        direction: 'FromIntegrationTable',
      },
    ],
  };
  const erpValues = { ...values, creditLimit: 500, phoneNumber: '1' };
  const crmNow = { ...crmValues, creditlimit: 100, telephone1: '2' };
  // The ERP raised the credit limit, a CRM user changed the phone since the last synchronization.
  const both = {
    source: erp(11, erpValues),
    coupling: coupling(),
    destination: found(crm(101, crmNow)),
  };
  // `ask` too: its write-backs carry bidirectional fields only.
  for (const policy of ['None', 'SendUpdate', 'GetUpdate', 'ask'] as const) {
    const p = await planRecord(settings({ ...oneWay, updateConflict: policy }), both);
    assert.deepEqual(
      p.action,
      { kind: 'update', changes: { creditlimit: 500 }, reverseDue: true },
      policy,
    );
  }
  // Nothing to write (the ERP change is in no mapped field): still marked, or the phone is lost.
  const nothing = await planRecord(settings(oneWay), {
    ...both,
    source: erp(11, { ...erpValues, creditLimit: 100 }),
  });
  assert.deepEqual(nothing.action, { kind: 'unchanged', markSynced: true, reverseDue: true });
  // The CRM row unchanged, or last written by the integration, or a forced write: nothing due.
  for (const destination of [crm(100, crmNow), crm(101, crmNow, 'integration-user')]) {
    const p = await planRecord(settings(oneWay), { ...both, destination: found(destination) });
    assert.deepEqual(p.action, { kind: 'update', changes: { creditlimit: 500 } });
  }
  const forced = await planRecord(settings(oneWay, { force: true }), both);
  assert.deepEqual(forced.action, { kind: 'update', changes: { creditlimit: 500 } });

  // The CRM → ERP pass due: its source (version as synchronized) counts as changed.
  const toErp: PlanSettings = {
    ...settings(oneWay),
    pass: 'FromIntegrationTable',
    destinationActor: 'integration',
  };
  const erpWritten = {
    id: 'e1',
    changeSeq: 12,
    modifiedBy: 'integration',
    values: erpValues,
  };
  const due = await planRecord(toErp, {
    source: crm(102, crmNow),
    coupling: coupling({
      lastSyncedErpSeq: 11,
      lastSyncedCrmVersion: 102,
      reverseDue: 'FromIntegrationTable',
    }),
    destination: { kind: 'found', record: erpWritten },
  });
  assert.deepEqual(due.action, { kind: 'update', changes: { phoneNumber: '2' } });
  const notDue = await planRecord(toErp, {
    source: crm(102, crmNow),
    coupling: coupling({
      lastSyncedErpSeq: 11,
      lastSyncedCrmVersion: 102,
      reverseDue: 'ToIntegrationTable',
    }),
    destination: { kind: 'found', record: erpWritten },
  });
  assert.deepEqual(notDue.action, { kind: 'unchanged', markSynced: false });
});
