import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useCrmEmulator } from './emulator-fixture.ts';

const crm = useCrmEmulator();

const TRACK = { prefer: 'odata.track-changes,odata.maxpagesize=3' };

test('track changes: initial read pages to a delta link; the delta has changes and $deletedEntity rows', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 7; i++)
    ids.push(await crm.api.create('products', { name: `P${i}`, productnumber: `N${i}` }));
  let url = 'products?$select=name,productnumber';
  const initial: string[] = [];
  let deltaLink: string | undefined;
  for (let page = 0; page < 10 && !deltaLink; page++) {
    const r = await crm.api.get(url, TRACK);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('preference-applied') ?? '', /odata\.track-changes/);
    initial.push(...r.json.value.map((v: { productid: string }) => v.productid));
    deltaLink = r.json['@odata.deltaLink'];
    url = r.json['@odata.nextLink'];
    if (!deltaLink) {
      assert.ok(url, 'a page either links to the next one or carries the delta link');
      // A write while paging does not disturb the pages (it will be in the delta instead).
      if (page === 0) await crm.api.patch(`products(${ids[6]})`, { name: 'P6 changed early' });
    }
  }
  assert.ok(deltaLink);
  assert.match(deltaLink!, /\$deltatoken=/);
  assert.equal(new Set(initial).size, initial.length);
  await crm.api.patch(`products(${ids[0]})`, { name: 'P0 changed' });
  await crm.api.del(`products(${ids[1]})`);
  const added = await crm.api.create('products', { name: 'P new', productnumber: 'NN' });
  const delta = await crm.api.get(deltaLink!, { prefer: 'odata.track-changes' });
  assert.equal(delta.status, 200, delta.text);
  assert.match(delta.json['@odata.context'], /#products\(name,productnumber\)\/\$delta$/);
  const changed = delta.json.value.filter((v: { id?: string }) => !v.id);
  const deleted = delta.json.value.filter((v: { id?: string }) => v.id);
  assert.deepEqual(changed.map((v: { name: string }) => v.name).sort(), [
    'P new',
    'P0 changed',
    'P6 changed early',
  ]);
  assert.ok(changed.some((v: { productid: string }) => v.productid === added));
  assert.deepEqual(deleted, [
    {
      '@odata.context': `${crm.emulator.apiUrl}$metadata#products/$deletedEntity`,
      id: ids[1],
      reason: 'deleted',
    },
  ]);
  const next = await crm.api.get(delta.json['@odata.deltaLink'], { prefer: 'odata.track-changes' });
  assert.deepEqual(next.json.value, [], 'nothing changed since');
});

test('track changes rejects $filter, $orderby and $top', async () => {
  for (const q of ["$filter=name eq 'x'", '$orderby=name', '$top=1']) {
    const r = await crm.api.get(`products?$select=name&${q}`, { prefer: 'odata.track-changes' });
    assert.equal(r.status, 400, q);
  }
});

test('$filter on modifiedon finds what changed since an instant', async () => {
  const id = await crm.api.create('accounts', { name: 'Before' });
  const read = await crm.api.get(`accounts(${id})?$select=modifiedon`);
  const since = new Date(Date.parse(read.json.modifiedon) + 1000).toISOString();
  await new Promise((r) => setTimeout(r, 1100));
  await crm.api.patch(`accounts(${id})`, { name: 'After' });
  const r = await crm.api.get(`accounts?$select=name&$filter=modifiedon ge ${since}`);
  assert.deepEqual(
    r.json.value.map((v: { name: string }) => v.name),
    ['After'],
  );
});

test('a large delta is paged too; deletions come on its last page', async () => {
  const first = await crm.api.get('teams?$select=name', { prefer: 'odata.track-changes' });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(await crm.api.create('teams', { name: `Team ${i}` }));
  await crm.api.del(`teams(${ids[0]})`);
  let url: string = first.json['@odata.deltaLink'];
  const rows: Record<string, unknown>[] = [];
  let pages = 0;
  for (;;) {
    const r = await crm.api.get(url, TRACK);
    assert.equal(r.status, 200, r.text);
    rows.push(...r.json.value);
    pages++;
    if (r.json['@odata.deltaLink']) break;
    url = r.json['@odata.nextLink'];
    assert.ok(url);
  }
  assert.equal(pages, 2);
  assert.deepEqual(
    rows.filter((v) => !v.id).map((v) => v.name),
    ['Team 1', 'Team 2', 'Team 3', 'Team 4'],
  );
  assert.deepEqual(
    rows.filter((v) => v.id).map((v) => v.id),
    [ids[0]],
  );
});
