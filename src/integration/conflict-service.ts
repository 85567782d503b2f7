import { systemClock } from '../shared/clock.ts';
import { fail, failure, ok, type Result } from '../shared/result.ts';
import {
  type ConflictEntry,
  type ConflictKey,
  conflictsByIds,
  countConflicts,
  dueConflicts,
  listConflicts,
} from '../sync/conflicts/conflict-repo.ts';
import { noSuchMapping } from '../sync/mappings/mapping-name.ts';
import { getMapping } from '../sync/mappings/mapping-repo.ts';
import type { Paging } from '../sync/queries.ts';
import { readNames } from '../sync/record-names.ts';
import { ageOutConflicts } from '../sync/service/age-out-conflicts.ts';
import {
  type ResolveChoice,
  type ResolvedEntry,
  resolveConflict,
} from '../sync/service/resolve-conflicts.ts';
import { erpPort } from './adapters/erp-port.ts';
import { keysetPage, keysetPages, type Page, type PageAsk } from './keyset-list.ts';
import { CONFLICTS } from './log-lists.ts';
import { LOCK_WAIT, withMappingLock } from './mapping-lock.ts';
import { openEngine, type SyncDeps } from './sync-runtime.ts';

/**
 * The conflict inbox for the API, the CLI and the web page (docs/conflict-inbox.md): open entries
 * (entries past their time age out first), resolving one, and resolving many with one choice.
 */

/**
 * An entry with what users call its two records (src/sync/record-names.ts): null when the record
 * no longer exists, absent when its side could not be read.
 */
export interface NamedConflict extends ConflictEntry {
  readonly erpName?: string | null;
  readonly crmName?: string | null;
}

export interface InboxPage {
  readonly total: number;
  readonly agedOut: number;
  readonly value: readonly NamedConflict[];
}

/**
 * Ages out the overdue entries of every mapping whose lock is free now (ageing marks couplings
 * failed and skipped, like any writer of a mapping's couplings it holds the lock); a mapping being
 * synchronized is left for the next call. Run by the scheduler every minute and when the inbox is
 * read. Returns how many aged out.
 */
export async function ageOutDue(deps: SyncDeps): Promise<number> {
  const now = (deps.clock ?? systemClock).now();
  let aged = 0;
  for (const mapping of new Set((await dueConflicts(deps.db, now)).map((d) => d.mapping))) {
    const r = await withMappingLock(
      deps.db,
      mapping,
      () => ageOutConflicts(deps.db, now, mapping),
      {
        waitMs: LOCK_WAIT.none,
      },
    );
    if (r.ok) aged += r.value;
  }
  return aged;
}

/** Open entries of one mapping or all, oldest first, after ageing out the overdue ones. */
export async function conflictInbox(
  deps: SyncDeps,
  f: { mapping?: string } & Paging,
): Promise<InboxPage> {
  const agedOut = await ageOutDue(deps);
  const [total, entries] = await Promise.all([
    countConflicts(deps.db, f),
    listConflicts(deps.db, f),
  ]);
  return { total, agedOut, value: await named(deps, entries) };
}

export type ConflictPage = Page<NamedConflict, ConflictKey> & { readonly agedOut: number };

/**
 * A page of open entries in the list order (keyset paging, as the API's next links follow it),
 * with their records' names, after ageing out the overdue ones.
 */
export async function conflictPage(
  deps: SyncDeps,
  ask: PageAsk<{ mapping?: string }, ConflictKey>,
): Promise<ConflictPage> {
  const agedOut = await ageOutDue(deps);
  const page = await keysetPage(deps.db, CONFLICTS, ask);
  return { ...page, agedOut, value: await named(deps, page.value) };
}

/** Every page of open entries, one after the other, named page by page (`kobling conflicts --all`). */
export async function* conflictPages(
  deps: SyncDeps,
  ask: Omit<PageAsk<{ mapping?: string }, ConflictKey>, 'after'>,
): AsyncGenerator<ConflictPage> {
  const agedOut = await ageOutDue(deps);
  for await (const page of keysetPages(deps.db, CONFLICTS, ask))
    yield { ...page, agedOut, value: await named(deps, page.value) };
}

/** The entries of a page with their records' names: one read per table of each side. */
async function named(deps: SyncDeps, entries: readonly ConflictEntry[]): Promise<NamedConflict[]> {
  if (entries.length === 0) return [];
  // Without a usable connection the ERP names still show; the CRM records go by id.
  const engine = await openEngine(deps);
  const names = await readNames(
    { erp: erpPort(deps.db), crm: engine.ok ? engine.value.crm : undefined },
    entries.flatMap((e) => [
      { side: 'erp' as const, table: e.erpTable, id: e.erpId },
      { side: 'crm' as const, table: e.crmEntity, id: e.crmId },
    ]),
  );
  return entries.map((e) => {
    const erpName = names('erp', e.erpTable, e.erpId);
    const crmName = names('crm', e.crmEntity, e.crmId);
    return {
      ...e,
      ...(erpName === undefined ? {} : { erpName }),
      ...(crmName === undefined ? {} : { crmName }),
    };
  });
}

/** Resolves one entry under its mapping's lock (the resolution writes the coupling). */
export async function resolveOne(
  deps: SyncDeps,
  id: string,
  choice: ResolveChoice,
  by: string,
): Promise<Result<ResolvedEntry>> {
  const [entry] = await conflictsByIds(deps.db, [id]);
  if (!entry) return failure('conflict_not_found', `No conflict-inbox entry ${id}`);
  const engine = await openEngine(deps);
  if (!engine.ok) return engine;
  const now = (deps.clock ?? systemClock).now();
  const locked = await withMappingLock(
    deps.db,
    entry.mapping,
    () => resolveConflict(engine.value, id, choice, by, now),
    { waitMs: LOCK_WAIT.request },
  );
  return locked.ok ? locked.value : locked;
}

export interface BulkOutcome {
  readonly resolved: readonly ResolvedEntry[];
  readonly failed: readonly { id: string; code: string; message: string }[];
}

/** The most entries one bulk request settles (the rest stay for the next). */
export const BULK_LIMIT = 1000;

/**
 * Resolves many entries with one choice: the given ids (each must exist), or every open entry of a
 * mapping. Each entry is settled on its own; one that cannot be is reported with its reason and
 * the others go ahead.
 */
export async function resolveMany(
  deps: SyncDeps,
  target: { ids: readonly string[] } | { mapping: string },
  take: 'erp' | 'crm',
  by: string,
): Promise<Result<BulkOutcome>> {
  let entries: ConflictEntry[];
  if ('ids' in target) {
    entries = await conflictsByIds(deps.db, target.ids);
    const known = new Set(entries.map((e) => e.id));
    const unknown = target.ids.filter((id) => !known.has(id));
    if (unknown.length > 0)
      return failure('conflict_not_found', `No conflict-inbox entry ${unknown.join(', ')}`);
  } else {
    await ageOutDue(deps);
    entries = await listConflicts(deps.db, { mapping: target.mapping, top: BULK_LIMIT, skip: 0 });
    if (entries.length === 0)
      // A mapping that does not exist has no conflicts either, but the answer names the one meant.
      return (await getMapping(deps.db, target.mapping))
        ? failure('conflict_not_found', `Mapping ${target.mapping} has no open conflicts`)
        : fail(await noSuchMapping(deps.db, target.mapping));
  }
  const engine = await openEngine(deps);
  if (!engine.ok) return engine;
  const now = (deps.clock ?? systemClock).now();
  const resolved: ResolvedEntry[] = [];
  const failed: { id: string; code: string; message: string }[] = [];
  for (const mapping of new Set(entries.map((e) => e.mapping))) {
    const mine = entries.filter((e) => e.mapping === mapping);
    const locked = await withMappingLock(
      deps.db,
      mapping,
      async () => {
        for (const e of mine) {
          const r = await resolveConflict(engine.value, e.id, { take }, by, now);
          if (r.ok) resolved.push(r.value);
          else failed.push({ id: e.id, code: r.error.code, message: r.error.message });
        }
      },
      { waitMs: LOCK_WAIT.request },
    );
    if (!locked.ok)
      for (const e of mine)
        failed.push({ id: e.id, code: locked.error.code, message: locked.error.message });
  }
  return ok({ resolved, failed });
}
