import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agree, plural } from '../../src/shared/plural.ts';

test('plural puts the noun in the number of its count, with an explicit plural when it is not +s', () => {
  assert.equal(plural(0, 'record'), '0 records');
  assert.equal(plural(1, 'record'), '1 record');
  assert.equal(plural(2, 'record'), '2 records');
  assert.equal(plural(1, 'entry', 'entries'), '1 entry');
  assert.equal(plural(3, 'entry', 'entries'), '3 entries');
});

test('agree picks the word that agrees with a count, for what follows it', () => {
  assert.equal(`${plural(1, 'record')} ${agree(1, 'is', 'are')} skipped`, '1 record is skipped');
  assert.equal(`${plural(2, 'record')} ${agree(2, 'is', 'are')} skipped`, '2 records are skipped');
  assert.equal(agree(0, 'was', 'were'), 'were');
});
