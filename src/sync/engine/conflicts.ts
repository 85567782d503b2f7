import { type SyncFailure, syncFailure } from '../errors.ts';
import type { PassDirection, TableMapping } from '../model.ts';

/** The BC message for a bidirectional update conflict, naming the field pair. */
export const conflictMessage = (
  m: TableMapping,
  pair: { erpField: string; crmField: string },
): string =>
  `Cannot update a record in ${m.erpTable} (mapping ${m.name}): the mapping between field ${pair.erpField} and ` +
  `column ${pair.crmField} is bidirectional and one or both values changed since the last synchronization`;

/** The BC message when the coupled destination record was deleted. */
export const DELETED_MESSAGE =
  'The record cannot be updated because it is coupled to a deleted record';

export type ConflictOutcome =
  | { action: 'proceed' }
  | { action: 'skip' }
  | { action: 'fail'; failure: SyncFailure };

/**
 * An update conflict: both sides changed since the last synchronization
 * and a bidirectional field differs. The mapping's policy decides: the side that wins writes, the
 * pass of the losing side skips the record (the other pass brings the winner's values), and with
 * no policy the record fails with a message naming the field pair.
 */
export function resolveUpdateConflict(
  m: TableMapping,
  pass: PassDirection,
  bothChanged: boolean,
  difference: { erpField: string; crmField: string } | undefined,
): ConflictOutcome {
  if (!bothChanged || !difference) return { action: 'proceed' };
  switch (m.updateConflict) {
    case 'SendUpdate':
      return pass === 'ToIntegrationTable' ? { action: 'proceed' } : { action: 'skip' };
    case 'GetUpdate':
      return pass === 'FromIntegrationTable' ? { action: 'proceed' } : { action: 'skip' };
    case 'ask':
      // Settled field by field by the conflict inbox (ask-merge.ts), never for the whole record.
      return { action: 'proceed' };
    case 'None':
      return {
        action: 'fail',
        failure: syncFailure('update_conflict', conflictMessage(m, difference)),
      };
  }
}

export type DeletionOutcome =
  | { action: 'uncouple' }
  | { action: 'restore' }
  | { action: 'fail'; failure: SyncFailure };

/** A deletion conflict: the coupled destination record no longer exists. */
export function resolveDeletionConflict(
  m: TableMapping,
  force: boolean | undefined,
): DeletionOutcome {
  if (m.deletionConflict === 'RemoveCoupling') return { action: 'uncouple' };
  if (m.deletionConflict === 'None' && !force)
    return { action: 'fail', failure: syncFailure('coupled_record_deleted', DELETED_MESSAGE) };
  return { action: 'restore' };
}
