import assert from 'node:assert/strict';
import { test } from 'node:test';
import { display } from '../../src/web/components/card.tsx';
import { formatDate, formatMoney, moneyOf } from '../../src/web/format.ts';

test('amounts read with two decimals, grouped, and their currency', () => {
  assert.equal(formatMoney(600.9, 'EUR'), '600.90 EUR');
  assert.equal(formatMoney('200.3'), '200.30');
  assert.equal(formatMoney(0, 'USD'), '0.00 USD');
  assert.equal(formatMoney('1234567.891', 'EUR'), '1,234,567.89 EUR');
  assert.equal(formatMoney(-65), '-65.00');
  assert.equal(formatMoney(12.34567, null, { unitPrice: true }), '12.34567');
  assert.equal(formatMoney(65, null, { unitPrice: true }), '65.00');
  assert.equal(formatMoney(null), '');
  assert.equal(formatMoney('n/a'), 'n/a', 'what is not a number is shown as it is');
  assert.equal(
    moneyOf({ totalAmountIncludingTax: 600.9, currencyCode: 'EUR' }, 'totalAmountIncludingTax'),
    '600.90 EUR',
  );
  assert.equal(moneyOf({ amount: 130, currencyCode: '' }, 'amount'), '130.00');
});

test('dates read as ISO 8601 whatever the locale; the ERP blank date is no date', () => {
  assert.equal(formatDate('2026-12-01'), '2026-12-01');
  assert.equal(formatDate('2026-12-01T09:05:07.123Z'), '2026-12-01 09:05:07');
  assert.equal(formatDate('2026-12-01T10:05:07+01:00'), '2026-12-01 09:05:07');
  assert.equal(formatDate(new Date('2026-12-01T09:05:07Z')), '2026-12-01 09:05:07');
  assert.equal(formatDate('0001-01-01'), '');
  assert.equal(formatDate('0001-01-01T00:00:00Z'), '');
  assert.equal(formatDate('12/1/2026'), '12/1/2026', 'text that is no ISO date is left alone');
  assert.equal(display('2026-12-01T09:05:07Z'), '2026-12-01 09:05:07');
  assert.equal(display('0001-01-01'), '—');
  assert.equal(display('C10000'), 'C10000');
});
