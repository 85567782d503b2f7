import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { createQueues } from '../../src/db/job-queue.ts';
import { fullSyncJob } from '../../src/integration/full-sync/full-sync-job.ts';
import { reviewLines, startFullSync } from '../../src/integration/full-sync/full-sync-service.ts';
import { type FullSyncSetting, startFullSyncSetting } from '../helpers/full-sync.ts';
import { insertCustomers } from '../helpers/sync-data.ts';
import { browserUnavailable, logIn, openBrowser } from './browser.ts';
import { serveFullSyncSetting } from './full-sync-server.ts';
import { PASSWORD } from './ui-fixture.ts';

// The review page's Stop: offered on a line not done, it asks first, naming the line; the answer
// stays in the flash, the line reads Stopped with its Restart, its child says what it waits for.
// No worker runs here: the started lines stay queued or pending while the page is used.

const skip = browserUnavailable();
if (skip) console.log(`# browser tests skipped: ${skip}`);

const SECRET = 'w'.repeat(40);
let t: FullSyncSetting;
let app: FastifyInstance;
let baseUrl = '';

before(async () => {
  if (skip) return;
  t = await startFullSyncSetting({
    secretKey: SECRET,
    workers: false,
    seed: async (fx) => {
      await insertCustomers(fx.db, 5, { number: 'WS', name: 'Web stop customer', city: 'Oslo' });
    },
  });
  await createQueues(t.boss, [fullSyncJob(t.deps, t.boss)]);
  ({ app, baseUrl } = await serveFullSyncSetting(t, 'ws'));
  assert.ok((await startFullSync(t.deps, t.boss)).ok);
});
after(async () => {
  await app?.close();
  await t?.close();
});

const row = (page: Page, mapping: string) =>
  page.locator('#full-sync tr', { has: page.getByRole('cell', { name: mapping, exact: true }) });

test("a line's Stop asks first, naming the line; the line reads Stopped with its Restart, its child says it waits for it; a reader gets no Stop", {
  skip,
}, async () => {
  const lines = await reviewLines(t.deps);
  assert.equal(lines.find((l) => l.mapping === 'CUSTOMER')?.status, 'Pending');
  assert.equal(lines.find((l) => l.mapping === 'CONTACT')?.status, 'Pending');

  const reader = await openBrowser();
  try {
    await logIn(reader.page, baseUrl, 'ws-readOnly', PASSWORD);
    await reader.page.goto(`${baseUrl}/integration/full-sync`);
    await row(reader.page, 'CUSTOMER').waitFor();
    assert.equal(await reader.page.getByRole('button', { name: /^Stop / }).count(), 0);
  } finally {
    await reader.close();
  }

  const b = await openBrowser();
  const asked: string[] = [];
  b.page.on('dialog', (d) => {
    asked.push(d.message());
    void d.accept();
  });
  const flash = b.page.locator('#flash');
  try {
    await logIn(b.page, baseUrl, 'ws-admin', PASSWORD);
    await b.page.goto(`${baseUrl}/integration/full-sync`);
    await row(b.page, 'CUSTOMER').getByRole('button', { name: 'Stop CUSTOMER' }).click();
    await flash
      .getByText(
        'Stopped the full synchronization of CUSTOMER; its dependent line CONTACT waits until it is restarted and done. Restart continues it where it stopped.',
      )
      .waitFor();
    assert.deepEqual(asked, [
      'Stop the full synchronization of CUSTOMER? What it has written stays; Restart continues it where it stopped.',
    ]);
    const customer = row(b.page, 'CUSTOMER');
    await customer.locator('.badge', { hasText: 'Stopped' }).waitFor();
    assert.equal(await customer.locator('.badge').getAttribute('title'), 'Stopped');
    assert.match(
      (await customer.textContent()) ?? '',
      /Stopped by ws-admin on .+ UTC before it synchronized any record; Restart continues where it stopped/,
    );
    assert.equal(await customer.getByRole('button', { name: 'Stop CUSTOMER' }).count(), 0);
    assert.equal(await customer.getByRole('button', { name: 'Restart CUSTOMER' }).count(), 1);
    assert.match(
      (await row(b.page, 'CONTACT').textContent()) ?? '',
      /Waits for CUSTOMER, which was stopped \(restart it to continue\)/,
    );
    await b.shot('full-sync-stopped');

    // Restarted, it waits for its parents again as before.
    await customer.getByRole('button', { name: 'Restart CUSTOMER' }).click();
    await flash.getByText('Restarted the full synchronization of CUSTOMER').waitFor();
    await customer.getByRole('button', { name: 'Stop CUSTOMER' }).waitFor();
    assert.equal(
      (await reviewLines(t.deps)).find((l) => l.mapping === 'CUSTOMER')?.status,
      'Pending',
    );
  } finally {
    await b.close();
  }
});
