import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nameOf, recordLabel } from '../../src/sync/record-names.ts';

test('nameOf: an ERP record by number (or code) and name, a CRM row by its primary name column', () => {
  assert.equal(
    nameOf('erp', 'customers', {
      number: 'C10000',
      displayName: 'Adatum Corporation',
      city: 'Oslo',
    }),
    'C10000 Adatum Corporation',
  );
  assert.equal(
    nameOf('erp', 'currencies', { code: 'EUR', displayName: '', description: 'Euro' }),
    'EUR Euro',
  );
  assert.equal(
    nameOf('crm', 'account', { name: 'Adatum Corporation', accountnumber: 'C10000' }),
    'Adatum Corporation',
  );
  assert.equal(nameOf('crm', 'contact', { fullname: 'Robert Townes', name: 'x' }), 'Robert Townes');
  assert.equal(nameOf('crm', 'account', { telephone1: '+47' }), null, 'nothing that names it');
});

test('recordLabel: the kind of record, then its name; by id with "(deleted)" when it is gone', () => {
  const id = '5f1c0e4a-0000-4000-8000-000000000001';
  assert.equal(recordLabel('erp', 'customers', id, 'C10000 Adatum'), 'Customer C10000 Adatum');
  assert.equal(recordLabel('crm', 'account', id, 'Adatum'), 'account Adatum');
  assert.equal(recordLabel('crm', 'account', id, null), `account ${id} (deleted)`);
  assert.equal(recordLabel('erp', 'customers', id, undefined), `Customer ${id}`, 'not read');
});
