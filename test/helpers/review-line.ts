import type { FullSyncLine } from '../../src/integration/full-sync/full-sync-lines.ts';
import type { ReviewLine } from '../../src/integration/full-sync/full-sync-service.ts';
import { notRun } from '../../src/integration/full-sync/review.ts';

/**
 * A full synchronization line for tests of how lines read (CLI bars and summaries, the
 * web's notes, progress): a CUSTOMER line not started yet, with `over` on top. A field added to
 * the line is added here once, not in every test's copy.
 */
export const fullSyncLine = (over: Partial<FullSyncLine> = {}): FullSyncLine => ({
  mapping: 'CUSTOMER',
  position: 10,
  dependencyFilter: '',
  direction: 'ToIntegrationTable',
  recommendation: 'FullSynchronization',
  erpCount: 0,
  crmCount: 0,
  crmCoupled: null,
  status: 'Pending',
  ...notRun(),
  ...over,
});

/** The line as the review shows it: with the parents it waits for. */
export const reviewLine = (over: Partial<ReviewLine> = {}): ReviewLine => ({
  ...fullSyncLine(),
  waitingFor: [],
  ...over,
});
