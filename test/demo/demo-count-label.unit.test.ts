import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countLabel } from '../../src/integration/demo-coupling.ts';

test('the start banner counts the matched reference data in the right number', () => {
  assert.equal(countLabel('CURRENCY', 3), '3 currencies');
  assert.equal(countLabel('CURRENCY', 1), '1 currency');
  assert.equal(countLabel('SHIPMENT METHOD', 4), '4 shipment methods');
  assert.equal(countLabel('SALESPEOPLE', 1), '1 salesperson');
  assert.equal(countLabel('UNIT OF MEASURE', 2), '2 units of measure');
  assert.equal(countLabel('CUSTPRCGRP-PRICE', 0), '0 price groups');
});
