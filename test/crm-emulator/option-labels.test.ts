import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useCrmEmulator } from './emulator-fixture.ts';

const crm = useCrmEmulator();

const FORMATTED = 'OData.Community.Display.V1.FormattedValue';
const ALL = { Prefer: 'odata.include-annotations="*"' };

async function insertOption(entity: string, attribute: string, label: string): Promise<number> {
  const r = await crm.api.post('InsertOptionValue', {
    EntityLogicalName: entity,
    AttributeLogicalName: attribute,
    Label: { LocalizedLabels: [{ Label: label, LanguageCode: 1033 }] },
  });
  assert.equal(r.status, 200, r.text);
  return r.json.NewOptionValue;
}

test('values added by InsertOptionValue are read with their label as FormattedValue, in lists, single reads and expands, next to the catalogue labels', async () => {
  const days14 = await insertOption('account', 'paymenttermscode', '14 DAYS');
  const days21 = await insertOption('account', 'paymenttermscode', '21 DAYS');
  const pickup = await insertOption('account', 'address1_freighttermscode', 'PICKUP');
  assert.ok(days14 >= 100_000_000 && days21 === days14 + 1);
  const ids: string[] = [];
  for (const [name, terms] of [
    ['Labels A', days14],
    ['Labels B', days21],
    ['Labels C', days14],
  ] as const) {
    ids.push(
      await crm.api.create('accounts', {
        name,
        paymenttermscode: terms,
        address1_freighttermscode: pickup,
        address1_shippingmethodcode: 2,
      }),
    );
  }

  const select =
    '$select=name,paymenttermscode,address1_freighttermscode,address1_shippingmethodcode';
  const list = await crm.api.get(
    `accounts?${select}&$filter=startswith(name,'Labels ')&$orderby=name`,
    ALL,
  );
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(
    list.json.value.map((a: Record<string, unknown>) => [
      a.name,
      a[`paymenttermscode@${FORMATTED}`],
      a[`address1_freighttermscode@${FORMATTED}`],
      a[`address1_shippingmethodcode@${FORMATTED}`],
    ]),
    [
      ['Labels A', '14 DAYS', 'PICKUP', 'DHL'],
      ['Labels B', '21 DAYS', 'PICKUP', 'DHL'],
      ['Labels C', '14 DAYS', 'PICKUP', 'DHL'],
    ],
  );

  const one = await crm.api.get(`accounts(${ids[1]})?${select}`, ALL);
  assert.equal(one.json[`paymenttermscode@${FORMATTED}`], '21 DAYS');
  const plain = await crm.api.get(`accounts(${ids[1]})?${select}`);
  assert.equal(plain.json[`paymenttermscode@${FORMATTED}`], undefined, 'only when asked for');
  assert.equal(plain.json.paymenttermscode, days21);

  await crm.api.create('contacts', {
    lastname: 'Labels contact',
    'parentcustomerid_account@odata.bind': `/accounts(${ids[0]})`,
  });
  const expanded = await crm.api.get(
    `contacts?$select=lastname&$filter=lastname eq 'Labels contact'&$expand=parentcustomerid_account($select=paymenttermscode)`,
    ALL,
  );
  assert.equal(expanded.status, 200, expanded.text);
  assert.equal(
    expanded.json.value[0].parentcustomerid_account[`paymenttermscode@${FORMATTED}`],
    '14 DAYS',
  );
});
