import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STATISTICS_JOB } from '../../src/flows/account-statistics/statistics-job.ts';
import { defaultMappings } from '../../src/sync/mappings/default-mappings.ts';
import {
  mappingName,
  mappingNameOf,
  mappingNotFound,
} from '../../src/sync/mappings/mapping-name.ts';

const KNOWN = defaultMappings({
  ownershipModel: 'Person',
  unitGroupMapping: true,
  salesOrderIntegration: true,
}).map((m) => m.name);

test('a mapping name given in any case, with spaces around, is its stored name', () => {
  assert.equal(mappingNameOf(' customer '), 'CUSTOMER');
  assert.equal(mappingNameOf('Item-Product'), 'ITEM-PRODUCT');
  assert.equal(mappingName.parse('customer statistics'), 'CUSTOMER STATISTICS');
  assert.equal(mappingName.safeParse('   ').success, false, 'blank is no name');
  assert.equal(mappingName.safeParse('x'.repeat(31)).success, false);
});

test('every stored name is already in that form (else no user could name it)', () => {
  for (const name of [...KNOWN, STATISTICS_JOB]) assert.equal(mappingNameOf(name), name);
});

test('an unknown name suggests the one within a typo, else lists the mappings there are', () => {
  const said = (name: string, known = KNOWN) => mappingNotFound(name, known).message;
  assert.equal(said('CUSTOMR'), "No table mapping named 'CUSTOMR'; did you mean CUSTOMER?");
  assert.equal(
    said('ITEM PRODUCT'),
    "No table mapping named 'ITEM PRODUCT'; did you mean ITEM-PRODUCT?",
  );
  assert.equal(
    said('ITEM UOMS'),
    "No table mapping named 'ITEM UOMS'; did you mean ITEM UOM?",
    'one closest name, not every name two edits away',
  );
  assert.equal(
    said('NOPE'),
    `No table mapping named 'NOPE'; the table mappings are ${KNOWN.join(', ')}`,
  );
  assert.equal(said('NOPE', []), "No table mapping named 'NOPE'; there are none yet");
  assert.equal(mappingNotFound('NOPE', KNOWN).code, 'not_found');
});
