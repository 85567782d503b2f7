import { failure, ok, type Result } from '../../shared/result.ts';

/** Document status of quotes and orders. */
export type DocumentStatus = 'Open' | 'Released';
export type StatusAction = 'release' | 'reopen';

/** The transition table: which action moves a document from which status to which. */
export const statusTransitions: readonly {
  readonly action: StatusAction;
  readonly from: DocumentStatus;
  readonly to: DocumentStatus;
}[] = [
  { action: 'release', from: 'Open', to: 'Released' },
  { action: 'reopen', from: 'Released', to: 'Open' },
];

/** The status an action leads to, or `invalid_transition`. */
export function validateTransition(
  from: DocumentStatus,
  action: StatusAction,
): Result<DocumentStatus> {
  const t = statusTransitions.find((x) => x.action === action && x.from === from);
  if (!t)
    return failure('invalid_transition', `Cannot ${action} a document whose status is ${from}`);
  return ok(t.to);
}
