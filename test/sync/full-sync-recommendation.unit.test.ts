import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recommend } from '../../src/integration/full-sync/recommendation.ts';

test('recommendations follow Business Central', () => {
  assert.equal(recommend('SALESPEOPLE', 0, 0), 'FullSynchronization');
  assert.equal(recommend('CURRENCY', 3, 1, { crmCurrencies: 1 }), 'FullSynchronization');
  assert.equal(recommend('CURRENCY', 3, 2, { crmCurrencies: 2 }), 'CoupleRecords');
  assert.equal(recommend('CUSTOMER', 0, 0), 'NoRecords');
  assert.equal(recommend('CUSTOMER', 10, 4), 'CoupleRecords');
  assert.equal(recommend('CUSTOMER', 10, 0), 'FullSynchronization');
  assert.equal(recommend('CONTACT', 0, 7), 'FullSynchronization');
  assert.equal(recommend('PAYMENT TERMS', 0, 5), 'NoRecords');
  assert.equal(recommend('PAYMENT TERMS', 3, 0), 'CoupleRecords');
  assert.equal(recommend('UNIT GROUP', 0, 1, { crmUnitGroups: 1 }), 'NoRecords');
  assert.equal(recommend('UNIT GROUP', 4, 3, { crmUnitGroups: 3 }), 'CoupleRecords');
  assert.equal(recommend('UNIT GROUP', 4, 1, { crmUnitGroups: 1 }), 'FullSynchronization');
  assert.equal(recommend('ITEM-PRODUCT', 5, 0), 'FullSynchronization');
});
