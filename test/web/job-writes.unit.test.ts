import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NamedWrite } from '../../src/integration/job-writes.ts';
import { JobWritesCard } from '../../src/web/pages/job-writes.tsx';

const write = (w: Partial<NamedWrite>): NamedWrite => ({
  side: 'crm',
  recordId: '7a0e3c52-1b4d-4c1e-9f0a-0d3c2b1a0001',
  action: 'modify',
  before: null,
  after: null,
  createdAt: new Date('2026-12-01T12:00:00Z'),
  table: 'product',
  name: 'Bicycle',
  ...w,
});

/** The rows of the card's table, cells as text. */
const rows = (html: string): string[][] =>
  [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)]
    .map((r) =>
      [...r[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) =>
        c[1]!.replace(/<[^>]+>/g, '').trim(),
      ),
    )
    .filter((cells) => cells.length > 0);

test('a lookup the job wrote reads as the id it replaced, not as the object sent', async () => {
  const html = await JobWritesCard({
    total: 1,
    writes: [
      write({
        before: { defaultuomid: 'd1b29274-0000-4000-8000-000000000001' },
        after: {
          defaultuomid: { lookupEntity: 'uom', id: '30483b45-0000-4000-8000-000000000002' },
          name: 'Bicycle',
        },
      }),
    ],
  });
  const [lookup, plain] = rows(html);
  assert.deepEqual(lookup!.slice(3), [
    'defaultuomid',
    'd1b29274-0000-4000-8000-000000000001',
    '30483b45-0000-4000-8000-000000000002',
  ]);
  assert.deepEqual(plain!.slice(3), ['name', '—', 'Bicycle']);
  assert.doesNotMatch(html, /lookupEntity/);
});

test('a create is one row, (new record); a lookup emptied reads (empty)', async () => {
  const html = await JobWritesCard({
    total: 2,
    writes: [
      write({ action: 'insert' }),
      write({
        before: { parentaccountid: 'd1b29274-0000-4000-8000-000000000001' },
        after: { parentaccountid: { lookupEntity: 'account', id: null } },
      }),
    ],
  });
  const [created, emptied] = rows(html);
  assert.deepEqual(created!.slice(2), ['insert', '(new record)', '—', '—']);
  assert.deepEqual(emptied!.slice(3), [
    'parentaccountid',
    'd1b29274-0000-4000-8000-000000000001',
    '(empty)',
  ]);
});

test('a named lookup reads as its record name, the id in the title, escaped; an unnamed one by id', async () => {
  const before = 'd1b29274-0000-4000-8000-000000000001';
  const after = '30483b45-0000-4000-8000-000000000002';
  const html = await JobWritesCard({
    total: 1,
    writes: [
      write({
        before: { defaultuomid: before },
        after: { defaultuomid: { lookupEntity: 'uom', id: after } },
        lookupNames: { [after]: '<b>Box & "Crate"</b>' },
      }),
    ],
  });
  const [row] = rows(html);
  // @kitajs/html escapes what could open a tag or an entity; `>` alone cannot.
  assert.deepEqual(row!.slice(3), [
    'defaultuomid',
    before,
    '&lt;b>Box &amp; &#34;Crate&#34;&lt;/b>',
  ]);
  assert.match(html, new RegExp(`<span class="lookup" title="${after}">&lt;b>Box`));
  assert.doesNotMatch(html, /<b>/);
});

test("an option value reads as its label in its own column's option set, the value in the title; an unlabelled one as the value", async () => {
  const html = await JobWritesCard({
    total: 1,
    writes: [
      write({
        table: 'account',
        before: { paymenttermscode: 3, address1_freighttermscode: null },
        after: { paymenttermscode: 1, address1_freighttermscode: 1 },
        optionLabels: {
          paymenttermscode: { '1': 'Net 30' },
          address1_freighttermscode: { '1': '<i>FOB</i>' },
        },
      }),
    ],
  });
  const [terms, freight] = rows(html);
  assert.deepEqual(terms!.slice(3), ['paymenttermscode', '3', 'Net 30']);
  assert.deepEqual(freight!.slice(3), ['address1_freighttermscode', '(empty)', '&lt;i>FOB&lt;/i>']);
  assert.match(html, /<span class="lookup" title="1">Net 30<\/span>/);
  assert.doesNotMatch(html, /<i>/);
});
