import assert from 'node:assert/strict';
import { test } from 'node:test';
import { amountString, dec, roundAmount, sum } from '../../src/shared/money.ts';

test('amounts are exact where floats are not', () => {
  assert.equal(sum(['0.1', '0.2']).toString(), '0.3');
  assert.equal(amountString(dec('19.99').times(3)), '59.97');
});

test('rounding is half away from zero to two decimals', () => {
  assert.equal(roundAmount('2.345').toFixed(2), '2.35');
  assert.equal(roundAmount('-2.345').toFixed(2), '-2.35');
  assert.equal(amountString('1.005'), '1.01');
});
