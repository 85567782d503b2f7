import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callJson } from '../helpers/server.ts';
import { serverSetting } from './server-setting.ts';

/**
 * `PUT …/tableMappings/{name}/fieldMappings` checks CRM columns against the connected
 * organization's metadata (the CRM emulator over HTTP, through the Dataverse connector): a column
 * the table lacks is refused with nothing saved; when the metadata cannot be read the list is
 * saved and the answer says the columns were not checked.
 */
const s = serverSetting();

type Field = { erpField?: string; crmField?: string; direction: string; enabled?: boolean };
const call = (method: string, path: string, body?: unknown) =>
  callJson(`${s.server.baseUrl}/api/integration/v1${path}`, method, s.admin, body);
const fieldsOf = async (mapping: string): Promise<Field[]> =>
  (await call('GET', `/tableMappings/${encodeURIComponent(mapping)}/fieldMappings`)).json.value;
const put = (mapping: string, fields: Field[]) =>
  call('PUT', `/tableMappings/${encodeURIComponent(mapping)}/fieldMappings`, fields);

test('every default mapping saves again unchanged: the organization lists each default column', async () => {
  const mappings = (await call('GET', '/tableMappings')).json.value as { name: string }[];
  assert.ok(mappings.length >= 16);
  for (const { name } of mappings) {
    const saved = await put(name, await fieldsOf(name));
    assert.equal(saved.status, 200, `${name}: ${saved.text}`);
    assert.deepEqual(saved.json.warnings, [], name);
  }
});

test('PUT takes what GET answers ({"value": [...]}) as well as a bare array', async () => {
  const path = '/tableMappings/CUSTOMER/fieldMappings';
  const got = (await call('GET', path)).json as { value: Field[] };
  const edited = got.value.map((f) => (f.crmField === 'fax' ? { ...f, enabled: false } : f));
  assert.notDeepEqual(edited, got.value, 'the edit changes something');
  const wrapped = await call('PUT', path, { ...got, value: edited });
  assert.equal(wrapped.status, 200, wrapped.text);
  assert.deepEqual(await fieldsOf('CUSTOMER'), edited, 'the wrapped list was saved');
  const bare = await call('PUT', path, got.value);
  assert.equal(bare.status, 200, bare.text);
  assert.deepEqual(await fieldsOf('CUSTOMER'), got.value, 'the bare array was saved');
  // Anything else is still refused, saying which shapes it takes; nothing is saved.
  for (const body of [{ values: edited }, { value: edited, warnings: [] }, { value: [] }]) {
    const refused = await call('PUT', path, body);
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.json.error.code, 'validation_failed', refused.text);
  }
  const shape = await call('PUT', path, { values: edited });
  assert.match(shape.json.error.message, /an array, or \{"value": \[\.\.\.\]\} as GET answers/);
  assert.deepEqual(await fieldsOf('CUSTOMER'), got.value, 'nothing saved');
});

test('a CRM column the table lacks is refused, naming it and the table; nothing is saved', async () => {
  const before = await fieldsOf('CUSTOMER');
  const typo = before.map((f) =>
    f.crmField === 'address1_city' ? { ...f, crmField: 'adress1_city' } : f,
  );
  assert.notDeepEqual(typo, before);
  const refused = await put('CUSTOMER', typo);
  assert.equal(refused.status, 400, refused.text);
  assert.equal(refused.json.error.code, 'unknown_crm_column');
  assert.equal(
    refused.json.error.message,
    "account has no column 'adress1_city' (did you mean 'address1_city'?)",
  );
  assert.deepEqual(await fieldsOf('CUSTOMER'), before, 'nothing saved');
  // With other problems: the unknown column first, then every other one.
  const mixed = await put('CUSTOMER', [
    ...typo,
    { erpField: 'shoeSize', crmField: 'name', direction: 'Bidirectional' },
  ]);
  assert.equal(mixed.json.error.code, 'unknown_crm_column');
  assert.match(
    mixed.json.error.message,
    /^account has no column 'adress1_city' .*; also body\[\d+\]\.erpField: .*no field 'shoeSize'$/,
  );
  assert.deepEqual(mixed.json.error.details.map((i: { code: string }) => i.code).sort(), [
    'unknown_crm_column',
    'unknown_erp_field',
  ]);

  assert.deepEqual(
    mixed.json.error.details.map((i: { path: string }) => i.path).sort(),
    [
      `body[${typo.findIndex((f) => f.crmField === 'adress1_city')}].crmField`,
      `body[${typo.length}].erpField`,
    ].sort(),
    'a bare array: its problems are named body[N]',
  );

  // A lookup is named by its column, not by the name Web API reads it under.
  const contact = await fieldsOf('CONTACT');
  const readName = contact.map((f) =>
    f.crmField === 'parentcustomerid' ? { ...f, crmField: '_parentcustomerid_value' } : f,
  );
  const lookup = await put('CONTACT', [
    ...readName,
    { erpField: 'jobTitle', crmField: 'jobtitel', direction: 'Bidirectional' },
  ]);
  assert.equal(lookup.status, 400, lookup.text);
  assert.equal(lookup.json.error.code, 'unknown_crm_column');
  assert.match(
    lookup.json.error.message,
    /^contact has no columns '_parentcustomerid_value' \(a lookup is named by its column: 'parentcustomerid'\), 'jobtitel' \(did you mean 'jobtitle'\?\)/,
  );
  assert.deepEqual(await fieldsOf('CONTACT'), contact, 'nothing saved');
});

test('a standard column and a custom one the organization has are accepted', async () => {
  const before = await fieldsOf('CUSTOMER');
  const saved = await put('CUSTOMER', [
    ...before,
    { erpField: 'displayName', crmField: 'description', direction: 'ToIntegrationTable' },
    // BC's solution adds this lookup column to account: the org's metadata lists it.
    {
      erpField: 'number',
      crmField: 'nav_accountstatisticsid',
      direction: 'ToIntegrationTable',
      enabled: false,
    },
  ]);
  assert.equal(saved.status, 200, saved.text);
  assert.deepEqual(saved.json.warnings, []);
  const crm = (await fieldsOf('CUSTOMER')).map((f) => f.crmField);
  assert.ok(crm.includes('description') && crm.includes('nav_accountstatisticsid'));
  assert.equal((await put('CUSTOMER', before)).status, 200);
});

test('columns that cannot be checked are saved with a warning saying why, never silently', async () => {
  const before = await fieldsOf('CUSTOMER');
  const typo = [
    ...before,
    { erpField: 'displayName', crmField: 'descripton', direction: 'ToIntegrationTable' },
  ];
  await s.fx.db.query("UPDATE integration.connection SET crm_url = 'http://127.0.0.1:9'");
  try {
    const started = Date.now();
    const unreachable = await put('CUSTOMER', typo);
    assert.equal(unreachable.status, 200, unreachable.text);
    assert.equal(unreachable.json.warnings.length, 1);
    assert.match(
      unreachable.json.warnings[0],
      /^CRM columns not checked: Dynamics 365 Sales at http:\/\/127\.0\.0\.1:9 is not reachable: /,
    );
    assert.ok(Date.now() - started < 5_000, 'an unreachable organization is said at once');
    assert.ok(
      (await fieldsOf('CUSTOMER')).some((f) => f.crmField === 'descripton'),
      'saved',
    );
  } finally {
    await s.fx.db.query('UPDATE integration.connection SET crm_url = $1', [s.fx.emulator.baseUrl]);
  }
  await s.fx.db.query('UPDATE integration.connection SET enabled = false');
  const disabled = await put('CUSTOMER', before);
  assert.equal(disabled.status, 200, disabled.text);
  assert.deepEqual(disabled.json.warnings, [
    'CRM columns not checked: the Dynamics 365 Sales connection is not enabled',
  ]);
  await s.fx.db.query('UPDATE integration.connection SET enabled = true');
  const checked = await put('CUSTOMER', typo);
  assert.equal(checked.json.error?.code, 'unknown_crm_column', 'checked again once reachable');
});

test('a misspelled ERP field answers unknown_erp_field, named as the body gave the list; mixed problems mapping_invalid', async () => {
  const path = '/tableMappings/CUSTOMER/fieldMappings';
  const before = await fieldsOf('CUSTOMER');
  const at = before.findIndex((f) => f.erpField !== undefined && f.erpField !== null);
  assert.ok(at >= 0);
  const typo = before.map((f, i) => (i === at ? { ...f, erpField: 'nmae' } : f));
  const wrapped = await call('PUT', path, { value: typo });
  assert.equal(wrapped.status, 400, wrapped.text);
  assert.equal(wrapped.json.error.code, 'unknown_erp_field', wrapped.text);
  assert.equal(
    wrapped.json.error.message,
    `value[${at}].erpField: The ERP table customers has no field 'nmae'`,
  );
  assert.deepEqual(wrapped.json.error.details, [
    {
      code: 'unknown_erp_field',
      path: `value[${at}].erpField`,
      message: "The ERP table customers has no field 'nmae'",
    },
  ]);
  const bare = await put('CUSTOMER', typo);
  assert.equal(bare.json.error.code, 'unknown_erp_field', bare.text);
  assert.equal(bare.json.error.details[0].path, `body[${at}].erpField`);
  // With another problem: mapping_invalid, every problem in the details.
  const mixed = await call('PUT', path, {
    value: [...typo, { erpField: before[at]?.erpField, direction: 'ToIntegrationTable' }],
  });
  assert.equal(mixed.status, 400, mixed.text);
  assert.equal(mixed.json.error.code, 'mapping_invalid', mixed.text);
  assert.deepEqual(
    mixed.json.error.details.map((i: { code: string; path: string }) => `${i.code} ${i.path}`),
    [
      `unknown_erp_field value[${at}].erpField`,
      `missing_constant value[${typo.length}].constantValue`,
      `constant_direction value[${typo.length}].direction`,
    ],
  );
  assert.deepEqual(await fieldsOf('CUSTOMER'), before, 'nothing saved');
});
