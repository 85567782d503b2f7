import assert from 'node:assert/strict';
import { test } from 'node:test';
import { moveNotice } from '../../src/integration/crm-organization.ts';
import { startMessage } from '../../src/integration/full-sync/full-sync-service.ts';
import { emptyCounts, previewNotice } from '../../src/sync/preview/preview-model.ts';

test('a full synchronization start counts its queued lines in their number', () => {
  assert.equal(startMessage(['CUSTOMER'], []), 'Full synchronization started: 1 line queued.');
  assert.equal(
    startMessage(['CUSTOMER', 'CONTACT'], []),
    'Full synchronization started: 2 lines queued.',
  );
});

test("a preview's notice counts the records it would put in the conflict inbox in their number", () => {
  assert.match(previewNotice(emptyCounts(), 1), /, and put 1 record in the conflict inbox\.$/);
  assert.match(previewNotice(emptyCounts(), 2), /, and put 2 records in the conflict inbox\.$/);
});

test("an organization move's notice counts the rows set aside in their number, registered labels too", () => {
  const rows = (n: number) => ({
    couplings: n,
    optionCouplings: n,
    conflicts: n,
    fullSyncLines: n,
    others: [{ label: 'CRM order/quote pickup(s)', rows: n }],
  });
  const notice = (n: number) =>
    moveNotice('https://b.crm.dynamics.com', 'org-a', 'org-b', {
      setAside: rows(n),
      restored: rows(0),
      returned: false,
      freshLines: 0,
    });
  assert.match(
    notice(1),
    /1 coupling, 1 option coupling, 1 conflict, 1 full synchronization line and 1 CRM order\/quote pickup —/,
  );
  assert.match(
    notice(2),
    /2 couplings, 2 option couplings, 2 conflicts, 2 full synchronization lines and 2 CRM order\/quote pickups —/,
  );
  assert.doesNotMatch(notice(2), /\(s\)/);
});
