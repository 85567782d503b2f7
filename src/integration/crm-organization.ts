import type { Queryable } from '../db/db.ts';
import { systemClock } from '../shared/clock.ts';
import type { ErrorCode } from '../shared/error-codes.ts';
import type { Logger } from '../shared/logger.ts';
import { agree, plural } from '../shared/plural.ts';
import { type AppFailure, ok, type Result } from '../shared/result.ts';
import { readConnection, setOrganization } from '../sync/connection/connection-repo.ts';
import { connectionProblem } from './connection-problems.ts';
import { lockEveryMapping } from './mapping-lock.ts';
import {
  holdsOrganizationRows,
  type OrganizationRows,
  type OrganizationSwap,
  swapOrganizationRows,
} from './organization-set-aside.ts';
import { lockEveryRecurringJob } from './recurring-jobs.ts';
import { type ClientSettings, dataverseClientFor, type SyncDeps } from './sync-runtime.ts';

/** What comparing the organization the connection reaches with the one it reached before found. */
export type OrganizationCheck =
  | { readonly kind: 'first'; readonly organizationId: string }
  | { readonly kind: 'same'; readonly organizationId: string }
  | { readonly kind: 'other'; readonly organizationId: string; readonly move: OrganizationMove };

/** A move to another organization, as stored on the connection and shown on its page. */
export interface OrganizationMove extends OrganizationSwap {
  readonly at: string;
  readonly from: string;
  readonly to: string;
  readonly crmUrl: string | null;
  /** The move in plain words. */
  readonly notice: string;
}

/** How long a move waits for each mapping's running synchronization before it gives up. */
const MOVE_LOCK_WAIT_MS = 10_000;

/** Ends the transaction of a move that cannot happen now: nothing of it is written. */
class MoveRefused extends Error {
  readonly failure: AppFailure;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.failure = { code, message };
  }
}

/**
 * Records the organization the connection reaches, inside `tx` and before anything else in it
 * (the move takes every mapping's lock first). Another organization than the one recorded moves
 * the integration's rows: what belongs to the old organization (couplings, option couplings,
 * conflicts, review lines, its ERP watermarks, the recurring jobs' cursors) is set aside for it,
 * and what was set aside for the new one earlier comes back (organization-set-aside.ts). A move
 * while a mapping or a recurring job runs or a full synchronization is at work throws MoveRefused:
 * half the rows could be written against either org.
 */
export async function adoptOrganization(
  tx: Queryable,
  deps: { readonly logger: Logger; readonly clock?: { now(): Date } },
  organizationId: string,
  crmUrl: string | null,
): Promise<OrganizationCheck> {
  const id = organizationId.toLowerCase();
  const previous = (await readConnection(tx)).crmOrganizationId?.toLowerCase();
  if (previous === id) {
    // Identified again: a warning that it was not (an unreachable new address) ends here.
    await setOrganization(tx, id);
    return { kind: 'same', organizationId: id };
  }
  if (!previous) {
    await setOrganization(tx, id);
    return { kind: 'first', organizationId: id };
  }
  const locked = await lockEveryMapping(tx, MOVE_LOCK_WAIT_MS);
  if (locked.busy)
    throw new MoveRefused(
      'mapping_busy',
      `${crmUrl ?? 'The new address'} is another Dynamics 365 organization, and mapping ${locked.busy} is being synchronized with the current one right now; nothing was changed. Save again when that run has finished.`,
    );
  const jobs = await lockEveryRecurringJob(tx, MOVE_LOCK_WAIT_MS);
  if (jobs.busy)
    throw new MoveRefused(
      'mapping_busy',
      `${crmUrl ?? 'The new address'} is another Dynamics 365 organization, and the job ${jobs.busy} is sending ERP changes to the current one right now; nothing was changed. Save again when that run has finished.`,
    );
  const atWork = await tx.query<{ mapping_name: string }>(
    "SELECT mapping_name FROM integration.full_sync_lines WHERE status IN ('Queued', 'Running') ORDER BY position",
  );
  if (atWork.rows.length > 0)
    throw new MoveRefused(
      'line_busy',
      `${crmUrl ?? 'The new address'} is another Dynamics 365 organization, and the full synchronization of ${atWork.rows.map((r) => r.mapping_name).join(', ')} is at work against the current one; nothing was changed. Save again when it has finished or failed.`,
    );
  const swap = await swapOrganizationRows(tx, previous, id);
  const move: OrganizationMove = {
    ...swap,
    at: (deps.clock ?? systemClock).now().toISOString(),
    from: previous,
    to: id,
    crmUrl,
    notice: moveNotice(crmUrl, previous, id, swap),
  };
  await setOrganization(tx, id, move);
  deps.logger.warn({ from: previous, to: id, ...swap }, move.notice);
  return { kind: 'other', organizationId: id, move };
}

const rowsInWords = (r: OrganizationRows): string => {
  const parts = [
    plural(r.couplings, 'coupling'),
    plural(r.optionCouplings, 'option coupling'),
    plural(r.conflicts, 'conflict'),
    plural(r.fullSyncLines, 'full synchronization line'),
    // A registered table's label is stored as `noun(s)` (its migration): put it in number here.
    ...(r.others ?? []).map(
      (o) => `${o.rows} ${o.label.replaceAll('(s)', agree(o.rows, '', 's'))}`,
    ),
  ];
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
};

/** The move in plain words: what was set aside, what came back, what the admin does next. */
export function moveNotice(
  crmUrl: string | null,
  from: string,
  to: string,
  swap: OrganizationSwap,
): string {
  const where = crmUrl ?? 'The connection';
  const aside = `What the integration held for ${from} — ${rowsInWords(swap.setAside)} — is set aside, not deleted: it comes back if the connection moves back to that organization.`;
  if (swap.returned)
    return `${where} is organization ${to}, which this integration synchronized before: its ${rowsInWords(swap.restored)} are back, and synchronization continues where it stopped there (every table is read once in full from it). ${aside}`;
  return `${where} is another Dynamics 365 organization (${to}; was ${from}). ${aside} Nothing is coupled in ${to} yet, so records are not synchronized until you run a full synchronization: open the full synchronization review (/integration/full-sync in the web UI, or kobling sync full) and start it; records that exist on both sides are coupled by matching first, not duplicated.`;
}

/** `adoptOrganization` in a transaction of its own (a connection test that found the org). */
export async function noteOrganization(
  deps: SyncDeps,
  organizationId: string,
): Promise<Result<OrganizationCheck>> {
  const crmUrl = (await readConnection(deps.db)).crmUrl;
  return refusedAsFailure(() =>
    deps.db.transaction((tx) => adoptOrganization(tx, deps, organizationId, crmUrl)),
  );
}

/** Runs `fn`; a MoveRefused it throws (after its transaction rolled back) becomes its failure. */
export async function refusedAsFailure<T>(fn: () => Promise<T>): Promise<Result<T>> {
  try {
    return ok(await fn());
  } catch (err) {
    if (err instanceof MoveRefused) return { ok: false, error: err.failure };
    throw err;
  }
}

const addressOf = (c: {
  crmUrl: string | null;
  authorityUrl: string | null;
  tenantId: string | null;
  clientId: string | null;
}) => JSON.stringify([c.crmUrl, c.authorityUrl, c.tenantId, c.clientId]);

/** What asking the organization at a new address found, before anything is saved. */
export type Identified =
  | { readonly ok: true; readonly organizationId: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Before a change of the connection's address is saved: asks the CRM at the new address (WhoAmI)
 * which organization it is, so the save can keep everything (same org) or move the rows (another
 * org) in the same transaction. Undefined when the address does not change or nothing the
 * integration holds belongs to an organization yet.
 */
export async function identifyBeforeMove(
  deps: SyncDeps,
  before: Parameters<typeof addressOf>[0],
  planned: Parameters<typeof addressOf>[0],
  settings: Result<ClientSettings>,
): Promise<Identified | undefined> {
  if (addressOf(before) === addressOf(planned)) return undefined;
  if (!(await holdsOrganizationRows(deps.db))) return undefined;
  if (!settings.ok) return { ok: false, reason: settings.error.message };
  const who = await dataverseClientFor(settings.value, deps.logger).whoAmI();
  return who.ok
    ? { ok: true, organizationId: who.value.OrganizationId }
    : { ok: false, reason: connectionProblem(settings.value.crmUrl, who.error).problem };
}

/** What an admin reads in the answer to the save. */
export function organizationNotice(
  crmUrl: string | null,
  identified: Identified | undefined,
  check: OrganizationCheck | undefined,
  logger: Logger,
): string | undefined {
  if (!identified) return undefined;
  if (!identified.ok) {
    logger.warn(
      { crmUrl, reason: identified.reason },
      'the organization at the new CRM address could not be identified; couplings and watermarks are kept until a connection test compares it',
    );
    return `The organization at ${crmUrl} could not be identified (${identified.reason}); couplings and watermarks are kept, and the next connection test sets them aside if it is another organization.`;
  }
  if (!check) return undefined;
  if (check.kind === 'other') return check.move.notice;
  if (check.kind === 'first')
    return `${crmUrl} is organization ${check.organizationId}; the organization reached before was not recorded, so couplings and watermarks are kept.`;
  logger.info(
    { crmUrl, organizationId: check.organizationId },
    'the CRM connection moved to a new address of the same organization; everything is kept',
  );
  return `${crmUrl} is the same organization (${check.organizationId}): couplings and watermarks are kept, synchronization continues where it was.`;
}
