import { isGuid } from '../../shared/ids.ts';
import { entityBySet } from '../catalogue/index.ts';
import { CrmError } from '../errors.ts';
import { parsePrefer } from '../odata/prefer.ts';
import { updatesInBulk } from '../rules/registry.ts';
import { lockRecords, updateRecords } from '../store/records.ts';
import type { Binding } from '../store/values.ts';
import { entityUrl, jsonBody, payloadOf } from './crud.ts';
import { httpPart, type InnerRequest } from './multipart.ts';
import { etagOf } from './serialize.ts';
import { emptyResponse, type RequestContext, type WriteContext } from './types.ts';
import { checkBindings, prepareUpdate } from './writes.ts';

/**
 * A write a change set's fast path can take with others: no `$n` reference in its body (it may
 * point at a record of the same run) and no representation asked.
 */
export const plainWrite = (r: InnerRequest): boolean =>
  !r.body.includes('"$') && !parsePrefer(r.headers.prefer).returnRepresentation;

const PATCH_URL = /^(?:.*\/api\/data\/v9\.[0-2]\/)?([a-z_]+)\(([0-9A-Fa-f-]{36})\)$/;

/**
 * The table's set and record id of a plain PATCH the fast path can take (no `If-None-Match`, no
 * representation asked, no `$n` reference), else undefined.
 */
function plainPatch(r: InnerRequest): { set: string; id: string } | undefined {
  if (r.method !== 'PATCH' || r.headers['if-none-match'] !== undefined) return undefined;
  if (!plainWrite(r)) return undefined;
  const m = PATCH_URL.exec(r.url);
  if (!m || !isGuid(m[2]!)) return undefined;
  return { set: m[1]!, id: m[2]!.toLowerCase() };
}

/**
 * A run of plain PATCHes of existing records of one table in a change set (a sync engine's
 * incremental chunk, the default price list set after each product's create): the records are
 * read with one locking query and written with one multi-row UPDATE, each with its own version,
 * instead of three or four round trips per record. The per-record semantics are
 * `updateExisting`'s (both use `prepareUpdate`). Nothing is written before every record passed
 * its checks; when one fails, or a record is missing (the PATCH would create it), the run goes
 * one by one instead, which gives the exact answer of that path (the failure and its rollback,
 * or the upsert). Returns how many requests it consumed (0 when the fast path does not apply).
 */
export async function fastUpdates(
  ctx: RequestContext & { tx: NonNullable<RequestContext['tx']> },
  reqs: readonly InnerRequest[],
  start: number,
  ids: Map<string, string>,
  out: string[],
): Promise<number> {
  const first = plainPatch(reqs[start]!);
  const entity = first ? entityBySet(first.set) : undefined;
  if (!first || !entity || entity.noUpdate || !updatesInBulk(entity.logicalName)) return 0;
  // Declared alternate keys would need checking against the run's other records too.
  if ((ctx.alternateKeys?.[entity.logicalName]?.length ?? 0) > 0) return 0;
  const run: { req: InnerRequest; id: string }[] = [];
  for (let i = start; i < reqs.length; i++) {
    const p = plainPatch(reqs[i]!);
    if (p?.set !== first.set) break;
    run.push({ req: reqs[i]!, id: p.id });
  }
  // Two updates of one record: the second must see the first's result.
  if (run.length < 2 || new Set(run.map((r) => r.id)).size !== run.length) return 0;
  const w: WriteContext = { ...ctx, q: ctx.tx };
  const existing = new Map(
    (
      await lockRecords(
        w.q,
        entity.logicalName,
        run.map((r) => r.id),
      )
    ).map((r) => [r.id, r]),
  );
  if (existing.size !== run.length) return 0;
  // `If-Match` (the sync engine's updates send `*`, which only says the record must exist): a
  // stale ETag goes one by one, which answers 412 and rolls the change set back.
  const stale = run.some(({ req, id }) => {
    const ifMatch = req.headers['if-match']?.trim();
    return (
      ifMatch !== undefined && ifMatch !== '*' && ifMatch !== etagOf(existing.get(id)!.version)
    );
  });
  if (stale) return 0;
  const rows: { id: string; data: Record<string, unknown>; createdOn: Date }[] = [];
  const bindings: Binding[] = [];
  try {
    for (const { req, id } of run) {
      const body = jsonBody({
        method: req.method,
        url: new URL(ctx.apiUrl),
        headers: {},
        body: req.body,
      });
      const payload = payloadOf(entity, body, () => undefined);
      const record = existing.get(id)!;
      const { data } = await prepareUpdate(w, entity, record, payload, false);
      rows.push({ id, data, createdOn: record.createdOn });
      bindings.push(...payload.bindings);
    }
    await checkBindings(w, bindings);
  } catch (err) {
    // Nothing written yet: the one-by-one path answers this run, failure included.
    if (err instanceof CrmError) return 0;
    throw err;
  }
  const updated = await updateRecords(w.q, entity.logicalName, rows, w.now);
  for (const [i, record] of updated.entries()) {
    const url = entityUrl(ctx, entity, record.id);
    const contentId = run[i]!.req.contentId;
    if (contentId) ids.set(contentId, url);
    out.push(
      httpPart(
        emptyResponse(204, { 'OData-EntityId': url, ETag: etagOf(record.version), Location: url }),
        contentId,
      ),
    );
  }
  return run.length;
}
