import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  hasOwnLine,
  noLineMessage,
  recommend,
} from '../../src/integration/full-sync/recommendation.ts';

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

test('a restart of a mapping with no line says why and what to do instead', () => {
  const order = { name: 'SALESORDER-ORDER', direction: 'ToIntegrationTable' };
  assert.equal(hasOwnLine(order), false);
  assert.equal(
    noLineMessage(order, true),
    "No full synchronization line for mapping 'SALESORDER-ORDER': in the standard order mode it gets none, since it only keeps the headers of orders that came from Dynamics 365 Sales up to date (a full synchronization would send every released ERP order); its regular job does that: `kobling sync SALESORDER-ORDER` (POST …/tableMappings/SALESORDER-ORDER/runNow) runs it now",
  );
  assert.equal(
    noLineMessage({ name: 'POSTEDSALESLINE-INV', direction: 'ToIntegrationTable' }, true),
    "No full synchronization line for mapping 'POSTEDSALESLINE-INV': it maps document lines, which are synchronized with their header's mapping, POSTEDSALESINV-INV, never in a line of their own",
  );
  // A mapping that gets a line: none stored yet, or it came after the last start.
  const customer = { name: 'CUSTOMER', direction: 'Bidirectional' };
  assert.equal(
    noLineMessage(customer, false),
    "No full synchronization line for mapping 'CUSTOMER': no full synchronization has been started yet; `kobling sync full` (POST …/fullSync/start) starts it",
  );
  assert.equal(
    noLineMessage(customer, true),
    "No full synchronization line for mapping 'CUSTOMER' yet: the mapping came after the last start; `kobling sync full` (POST …/fullSync/start) writes its line and starts it",
  );
});
