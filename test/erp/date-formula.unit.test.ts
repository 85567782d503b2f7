import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyDateFormula } from '../../src/erp/master-data/date-formula.ts';

const apply = (formula: string, date: string) => {
  const r = applyDateFormula(formula, date);
  return r.ok ? r.value : r.error.code;
};

test('BC date formulas used by payment terms', () => {
  assert.equal(apply('30D', '2030-01-10'), '2030-02-09');
  assert.equal(apply('14D', '2030-12-25'), '2031-01-08');
  assert.equal(apply('1M', '2030-01-31'), '2030-02-28');
  assert.equal(apply('2W', '2030-01-01'), '2030-01-15');
  assert.equal(apply('1Q', '2030-11-15'), '2031-02-15');
  assert.equal(apply('1Y', '2028-02-29'), '2029-02-28');
  assert.equal(apply('CM', '2030-02-10'), '2030-02-28');
  assert.equal(apply('CM+10D', '2030-02-10'), '2030-03-10');
  assert.equal(apply('CQ', '2030-02-10'), '2030-03-31');
  assert.equal(apply('CY', '2030-02-10'), '2030-12-31');
  assert.equal(apply('CW', '2030-01-01'), '2030-01-06');
  assert.equal(apply('0D', '2030-01-01'), '2030-01-01');
  assert.equal(apply('', '2030-01-01'), '2030-01-01');
  assert.equal(apply('-1D', '2030-01-01'), '2029-12-31');
});

test('invalid formulas are refused', () => {
  for (const bad of ['30X', 'C2M', 'soon', 'D30']) {
    assert.equal(apply(bad, '2030-01-01'), 'invalid_date_formula', bad);
  }
});
