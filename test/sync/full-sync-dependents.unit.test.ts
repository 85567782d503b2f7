import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failedDependents } from '../../src/integration/full-sync/dependents.ts';
import type { FullSyncLine, LineStatus } from '../../src/integration/full-sync/full-sync-lines.ts';

const line = (mapping: string, status: LineStatus, dependencyFilter = ''): FullSyncLine =>
  ({ mapping, status, dependencyFilter }) as FullSyncLine;

test('the failed lines below a restarted line: through failed and pending children, not through finished ones', () => {
  const lines = [
    line('UNIT GROUP', 'Finished'),
    line('ITEM UOM', 'Failed', 'UNIT GROUP'),
    line('ITEM-PRODUCT', 'Failed', 'ITEM UOM'),
    line('SALESPRC-PRODPRICE', 'Failed', 'ITEM-PRODUCT|CUSTPRCGRP-PRICE'),
    line('RESOURCE UOM', 'Pending', 'UNIT GROUP'),
    line('RESOURCE-PRODUCT', 'Failed', 'RESOURCE UOM'),
    line('CURRENCY', 'Finished'),
    line('CUSTOMER', 'Finished', 'CURRENCY'),
    line('CONTACT', 'Failed', 'CUSTOMER'),
  ];
  assert.deepEqual(failedDependents(lines, 'UNIT GROUP'), [
    'ITEM UOM',
    'ITEM-PRODUCT',
    'RESOURCE-PRODUCT',
    'SALESPRC-PRODPRICE',
  ]);
  assert.deepEqual(failedDependents(lines, 'ITEM UOM'), ['ITEM-PRODUCT', 'SALESPRC-PRODPRICE']);
  assert.deepEqual(
    failedDependents(lines, 'CURRENCY'),
    [],
    'CUSTOMER finished: CONTACT is its own',
  );
  assert.deepEqual(failedDependents(lines, 'CONTACT'), []);
});

test('lines that finished with failed records are followed like failed ones: a contact whose account the CRM refused fails under its customer', () => {
  const lines = [
    line('CURRENCY', 'Finished'),
    line('CUSTOMER', 'FinishedWithErrors', 'CURRENCY'),
    line('CONTACT', 'FinishedWithErrors', 'CUSTOMER'),
    line('OPPORTUNITY', 'Failed', 'CONTACT'),
    line('SALESPEOPLE', 'Finished', 'CUSTOMER'),
    line('QUOTE', 'FinishedWithErrors', 'SALESPEOPLE'),
  ];
  assert.deepEqual(failedDependents(lines, 'CURRENCY'), ['CUSTOMER', 'CONTACT', 'OPPORTUNITY']);
  assert.deepEqual(failedDependents(lines, 'CUSTOMER'), ['CONTACT', 'OPPORTUNITY']);
});

test('a dependency cycle does not loop', () => {
  const lines = [line('A', 'Failed', 'B'), line('B', 'Failed', 'A')];
  assert.deepEqual(failedDependents(lines, 'A'), ['B']);
});
