import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  getLine,
  saveRunningMessage,
  transition,
} from '../../src/integration/full-sync/full-sync-lines.ts';
import { reviewLines, startFullSync } from '../../src/integration/full-sync/full-sync-service.ts';
import { MATCHING_MESSAGE, whileMatching } from '../../src/integration/full-sync/matching-note.ts';
import { startFullSyncSetting } from '../helpers/full-sync.ts';
import { insertCustomers } from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';

const t = useFixture(() =>
  startFullSyncSetting({
    secretKey: 'n'.repeat(40),
    workers: false,
    seed: async (fx) => {
      await insertCustomers(fx.db, 3, { number: 'N', name: 'Note customer', city: 'Oslo' });
    },
  }),
);

test('while a running line matches, its line (the review, GET …/fullSync, the bar) says so; then it gets back the note it had', async () => {
  const started = await startFullSync(t.deps, t.boss);
  assert.ok(started.ok);
  const db = t.deps.db;
  for (const to of ['Queued', 'Running'] as const)
    if ((await getLine(db, 'CUSTOMER'))!.status !== to) await transition(db, 'CUSTOMER', to);
  assert.equal((await getLine(db, 'CUSTOMER'))!.status, 'Running');
  const note = 'Running again (1 of 2) after ERP → CRM stopped: the CRM did not answer.';
  await saveRunningMessage(db, 'CUSTOMER', note);
  const seen: (string | null)[] = [];
  const look = (m: string | null) => void seen.push(m);
  const matched = await whileMatching(db, 'CUSTOMER', async () => {
    look((await reviewLines(t.deps)).find((l) => l.mapping === 'CUSTOMER')!.message);
    return 3;
  });
  assert.equal(matched, 3);
  assert.deepEqual(seen, [MATCHING_MESSAGE]);
  assert.equal((await getLine(db, 'CUSTOMER'))!.message, note);
  // A line with no note has none after matching, not the matching's.
  await saveRunningMessage(db, 'CUSTOMER', null);
  await whileMatching(db, 'CUSTOMER', async () => {
    look((await getLine(db, 'CUSTOMER'))!.message);
  });
  assert.deepEqual(seen, [MATCHING_MESSAGE, MATCHING_MESSAGE]);
  assert.equal((await getLine(db, 'CUSTOMER'))!.message, null);
});
