import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveDeletionConflict, resolveUpdateConflict } from '../../src/sync/engine/conflicts.ts';
import { defaultMappings } from '../../src/sync/mappings/default-mappings.ts';
import type { TableMapping } from '../../src/sync/model.ts';

const customer = defaultMappings({
  ownershipModel: 'Person',
  unitGroupMapping: true,
  salesOrderIntegration: true,
}).find((m) => m.name === 'CUSTOMER')!;
const pair = { erpField: 'displayName', crmField: 'name' };
const withPolicy = (updateConflict: TableMapping['updateConflict']) => ({
  ...customer,
  updateConflict,
});

test('update conflicts follow the policy: send lets the ERP win, get the CRM, none fails naming the pair', () => {
  assert.deepEqual(
    resolveUpdateConflict(withPolicy('SendUpdate'), 'ToIntegrationTable', true, pair),
    { action: 'proceed' },
  );
  assert.deepEqual(
    resolveUpdateConflict(withPolicy('SendUpdate'), 'FromIntegrationTable', true, pair),
    { action: 'skip' },
  );
  assert.deepEqual(
    resolveUpdateConflict(withPolicy('GetUpdate'), 'ToIntegrationTable', true, pair),
    { action: 'skip' },
  );
  assert.deepEqual(
    resolveUpdateConflict(withPolicy('GetUpdate'), 'FromIntegrationTable', true, pair),
    { action: 'proceed' },
  );
  const none = resolveUpdateConflict(withPolicy('None'), 'ToIntegrationTable', true, pair);
  assert.equal(none.action, 'fail');
  if (none.action === 'fail')
    assert.match(none.failure.message, /field displayName and column name is bidirectional/);
});

test('no conflict when only one side changed or no bidirectional field differs', () => {
  assert.deepEqual(resolveUpdateConflict(withPolicy('None'), 'ToIntegrationTable', false, pair), {
    action: 'proceed',
  });
  assert.deepEqual(
    resolveUpdateConflict(withPolicy('None'), 'ToIntegrationTable', true, undefined),
    { action: 'proceed' },
  );
});

test('deletion conflicts: remove coupling, restore, or fail unless forced', () => {
  assert.deepEqual(
    resolveDeletionConflict({ ...customer, deletionConflict: 'RemoveCoupling' }, false),
    { action: 'uncouple' },
  );
  assert.deepEqual(
    resolveDeletionConflict({ ...customer, deletionConflict: 'RestoreRecords' }, false),
    { action: 'restore' },
  );
  assert.equal(
    resolveDeletionConflict({ ...customer, deletionConflict: 'None' }, false).action,
    'fail',
  );
  assert.deepEqual(resolveDeletionConflict({ ...customer, deletionConflict: 'None' }, true), {
    action: 'restore',
  });
});
