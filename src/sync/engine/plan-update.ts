import type { SyncFailure } from '../errors.ts';
import type { PassDirection, TableMapping } from '../model.ts';
import { type AskOutcome, type AskState, planAsk } from './ask-merge.ts';
import { resolveUpdateConflict } from './conflicts.ts';
import { type LookupTranslator, transferFields } from './field-transfer.ts';

/** One side of a coupled pair as a pass sees it: its version now and as last synchronized. */
export interface SideState {
  readonly version: number;
  readonly synced: number | null;
  readonly values: Readonly<Record<string, unknown>>;
}

export type UpdatePlan =
  /** Nothing to write; `synced` when the coupling should record both versions as in step. */
  | {
      readonly kind: 'unchanged';
      readonly synced: boolean;
      readonly reverseDue?: boolean;
      readonly ask?: AskOutcome;
    }
  | { readonly kind: 'skip' }
  | { readonly kind: 'fail'; readonly failure: SyncFailure }
  | {
      readonly kind: 'write';
      readonly changes: Record<string, unknown>;
      readonly reverseDue?: boolean;
      readonly ask?: AskOutcome;
    };

/**
 * What a pass does with a coupled record whose destination exists (change detection, differences, conflict, write), the
 * same in both directions: did the source change since the last synchronization (or fail then),
 * which fields differ, and is it an update conflict to settle by the mapping's policy.
 * `destinationIsEcho`: the destination was last written by the integration, so it did not change.
 * `reverseDue`: the other pass wrote to this pass's source when it had changed, so the source
 * counts as changed whatever its version. A plan that synchronizes a destination changed since
 * the last synchronization carries `reverseDue` in turn: once written, that change reads as the
 * integration's own echo, so the other pass must compare the record (fields flowing only its way).
 */
export async function planUpdate(input: {
  readonly m: TableMapping;
  readonly pass: PassDirection;
  readonly force: boolean | undefined;
  readonly lastFailed: boolean;
  readonly reverseDue?: boolean;
  readonly source: SideState;
  readonly destination: SideState & { readonly isEcho: boolean };
  readonly lookups: LookupTranslator;
  /** The conflict inbox's state of the record (policy `ask` only). */
  readonly ask?: AskState;
}): Promise<UpdatePlan> {
  const { m, pass, force, source, destination } = input;
  const sourceChanged =
    force || input.lastFailed || input.reverseDue || source.version > (source.synced ?? 0);
  if (!sourceChanged) return { kind: 'unchanged', synced: false };
  const t = await transferFields(m, pass, source.values, destination.values, input.lookups);
  if (t.failure) return { kind: 'fail', failure: t.failure };
  const destinationChanged =
    m.direction === 'Bidirectional' &&
    !force &&
    destination.version > (destination.synced ?? 0) &&
    !destination.isEcho;
  const due = destinationChanged ? { reverseDue: true } : {};
  if (m.updateConflict === 'ask') {
    const { changes, ask } = await planAsk({
      m,
      pass,
      forward: t,
      source: source.values,
      destination: destination.values,
      // A record left unsettled is compared field by field whatever its versions say, in a forced
      // run too: force re-sends what the versions call unchanged, but the mark says the other
      // side holds a change they hide, which no run may overwrite unasked.
      destinationChanged:
        destinationChanged || (m.direction === 'Bidirectional' && input.ask?.unsettled === true),
      state: input.ask,
      lookups: input.lookups,
    });
    return Object.keys(changes).length === 0
      ? { kind: 'unchanged', synced: true, ask, ...due }
      : { kind: 'write', changes, ask, ...due };
  }
  const conflict = resolveUpdateConflict(m, pass, destinationChanged, t.bidirectionalDifference);
  if (conflict.action !== 'proceed')
    return conflict.action === 'skip'
      ? { kind: 'skip' }
      : { kind: 'fail', failure: conflict.failure };
  if (Object.keys(t.changes).length === 0) return { kind: 'unchanged', synced: true, ...due };
  return { kind: 'write', changes: t.changes, ...due };
}
