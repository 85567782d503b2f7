import { randomUUID } from 'node:crypto';
import { entityBySet } from '../catalogue/index.ts';
import { CrmError } from '../errors.ts';
import { parsePrefer } from '../odata/prefer.ts';
import { createsInBulk } from '../rules/registry.ts';
import { lockForWrite } from '../store/records.ts';
import { entityUrl, jsonBody } from './crud.ts';
import { createManyWithRelated, flatRelated } from './deep-insert.ts';
import { fastUpdates, plainWrite } from './fast-updates.ts';
import {
  boundaryOf,
  brokenBatch,
  httpPart,
  type InnerRequest,
  parseInnerRequest,
  parseMultipart,
  requireBoundary,
} from './multipart.ts';
import { dispatch, errorResponse } from './router.ts';
import { etagOf } from './serialize.ts';
import type { ApiRequest, ApiResponse, RequestContext } from './types.ts';

export const MAX_BATCH_REQUESTS = 1000;

type Item = { kind: 'request'; req: InnerRequest } | { kind: 'changeset'; reqs: InnerRequest[] };

export interface BatchHooks {
  /** Counts the operations of a batch (stats). */
  onOperations(n: number): void;
  onError(err: unknown): void;
  /** An injected fault for one request or change set of an accepted batch (it is not run). */
  fault?(): ApiResponse | undefined;
}

/** Parses the `$batch` body into requests and change sets (before anything runs). */
function parseBatch(req: ApiRequest): Item[] {
  const boundary = requireBoundary(req.headers['content-type']);
  const items: Item[] = [];
  let count = 0;
  for (const part of parseMultipart(req.body, boundary)) {
    const inner = boundaryOf(part.headers['content-type']);
    if (inner) {
      const reqs = parseMultipart(part.body, inner).map(parseInnerRequest);
      if (reqs.some((r) => r.method === 'GET')) {
        throw brokenBatch('GET requests are not allowed inside a change set.');
      }
      if (reqs.some((r) => boundaryOf(r.headers['content-type']))) {
        throw brokenBatch('Batches cannot be nested.');
      }
      items.push({ kind: 'changeset', reqs });
      count += reqs.length;
    } else {
      items.push({ kind: 'request', req: parseInnerRequest(part) });
      count++;
    }
  }
  if (count > MAX_BATCH_REQUESTS) {
    throw brokenBatch(
      `The number of requests in the batch (${count}) exceeds the limit of ${MAX_BATCH_REQUESTS}.`,
    );
  }
  return items;
}

/** Inner URLs may be absolute, host-relative (`/api/data/v9.2/…`) or service-relative. */
function toApiRequest(ctx: RequestContext, inner: InnerRequest, url: string): ApiRequest {
  let parsed: URL;
  try {
    parsed = new URL(url, ctx.apiUrl);
  } catch {
    throw brokenBatch(`Invalid URL in a batch part: '${url}'.`);
  }
  return { method: inner.method, url: parsed, headers: inner.headers, body: inner.body };
}

/** Replaces a leading `$n` Content-ID reference in a URL. */
function resolveUrl(url: string, ids: Map<string, string>): string {
  const m = /^\$([^/?]+)(.*)$/.exec(url);
  if (!m) return url;
  const target = ids.get(m[1]!);
  if (!target) throw brokenBatch(`Content-ID reference '$${m[1]}' was not found.`);
  return target + m[2];
}

class Rollback extends Error {
  constructor(
    readonly response: ApiResponse,
    readonly contentId?: string,
  ) {
    super('change set failed');
  }
}

const withLocation = (res: ApiResponse): ApiResponse => {
  const id = res.headers['OData-EntityId'];
  return id ? { ...res, headers: { ...res.headers, Location: id } } : res;
};

/**
 * A run of plain creates on one table whose rules (if any) allow it (`createsInBulk`): written
 * with one multi-row INSERT, and the rows of their flat deep inserts (a product's price list
 * items) with one more per navigation.
 * Returns how many requests it consumed (0 when the fast path does not apply).
 */
async function fastCreates(
  ctx: RequestContext,
  outer: ApiRequest,
  reqs: readonly InnerRequest[],
  start: number,
  ids: Map<string, string>,
  out: string[],
): Promise<number> {
  const first = reqs[start]!;
  // Creates that bind `$n` may point at a record of the same run: those go one by one.
  const target = (r: InnerRequest) =>
    r.method === 'POST' && !r.url.includes('?') && plainWrite(r)
      ? /\/api\/data\/v9\.[0-2]\/([a-z_]+)$|^([a-z_]+)$/.exec(r.url)
      : null;
  const m = target(first);
  const set = m?.[1] ?? m?.[2];
  const entity = set ? entityBySet(set) : undefined;
  if (!entity || !createsInBulk(entity.logicalName)) return 0;
  let end = start;
  while (end < reqs.length) {
    const t = target(reqs[end]!);
    if ((t?.[1] ?? t?.[2]) !== set) break;
    end++;
  }
  if (end - start < 2) return 0;
  const run = reqs.slice(start, end);
  const resolve = (ref: string) => ids.get(ref.slice(1));
  const fail = (i: number, err: unknown): never => {
    throw new Rollback(errorResponse(err), run[i]!.contentId);
  };
  const items = run.map((r, i) => {
    try {
      return flatRelated(entity, jsonBody({ ...outer, body: r.body }));
    } catch (err) {
      return fail(i, err);
    }
  });
  // Deep inserts of several levels (or of a single-valued navigation) go one by one.
  if (items.some((item) => !item)) return 0;
  let records: Awaited<ReturnType<typeof createManyWithRelated>>;
  try {
    records = await createManyWithRelated(
      { ...ctx, q: ctx.tx! },
      entity,
      items.map((item) => item!),
      resolve,
      fail,
    );
  } catch (err) {
    if (err instanceof CrmError) throw new Rollback(errorResponse(err), first.contentId);
    throw err;
  }
  for (const [i, r] of records.entries()) {
    const url = entityUrl(ctx, entity, r.id);
    const contentId = run[i]!.contentId;
    if (contentId) ids.set(contentId, url);
    out.push(
      httpPart(
        {
          status: 204,
          headers: {
            'OData-Version': '4.0',
            Location: url,
            'OData-EntityId': url,
            ETag: etagOf(r.version),
          },
        },
        contentId,
      ),
    );
  }
  return run.length;
}

/** Runs a change set in one transaction; any failure rolls all of it back. */
async function runChangeSet(
  ctx: RequestContext,
  outer: ApiRequest,
  reqs: readonly InnerRequest[],
  hooks: BatchHooks,
): Promise<{ ok: true; parts: string[] } | { ok: false; part: string }> {
  try {
    const parts = await ctx.db.transaction(async (tx) => {
      await lockForWrite(tx);
      const ids = new Map<string, string>();
      const out: string[] = [];
      const txCtx = { ...ctx, tx };
      let i = 0;
      while (i < reqs.length) {
        const consumed =
          (await fastCreates(txCtx, outer, reqs, i, ids, out)) ||
          (await fastUpdates(txCtx, reqs, i, ids, out));
        if (consumed > 0) {
          i += consumed;
          continue;
        }
        const inner = reqs[i]!;
        const apiReq = toApiRequest(ctx, inner, resolveUrl(inner.url, ids));
        const res = await dispatch(
          { ...txCtx, prefs: parsePrefer(inner.headers.prefer) },
          apiReq,
          (ref) => ids.get(ref.slice(1)),
          hooks.onError,
        );
        if (res.status >= 400) throw new Rollback(res, inner.contentId);
        const url = res.headers['OData-EntityId'];
        if (inner.contentId && url) ids.set(inner.contentId, url);
        out.push(httpPart(withLocation(res), inner.contentId));
        i++;
      }
      return out;
    });
    return { ok: true, parts };
  } catch (err) {
    if (err instanceof Rollback) return { ok: false, part: httpPart(err.response, err.contentId) };
    if (err instanceof CrmError) return { ok: false, part: httpPart(errorResponse(err)) };
    throw err;
  }
}

/** `POST $batch`: runs requests and change sets in order and answers a multipart response. */
export async function executeBatch(
  ctx: RequestContext,
  req: ApiRequest,
  hooks: BatchHooks,
): Promise<ApiResponse> {
  const items = parseBatch(req);
  hooks.onOperations(items.reduce((n, i) => n + (i.kind === 'request' ? 1 : i.reqs.length), 0));
  const continueOnError = ctx.prefs.continueOnError;
  const batchBoundary = `batchresponse_${randomUUID()}`;
  const parts: string[] = [];
  let failed = false;
  for (const item of items) {
    const fault = hooks.fault?.();
    if (fault) {
      const contentId = item.kind === 'request' ? item.req.contentId : item.reqs[0]?.contentId;
      parts.push(httpPart(fault, contentId));
      failed = true;
    } else if (item.kind === 'changeset') {
      const result = await runChangeSet(ctx, req, item.reqs, hooks);
      if (result.ok) {
        const cs = `changesetresponse_${randomUUID()}`;
        parts.push(
          `Content-Type: multipart/mixed; boundary=${cs}\r\n\r\n${result.parts.map((p) => `--${cs}\r\n${p}`).join('\r\n')}\r\n--${cs}--`,
        );
      } else {
        parts.push(result.part);
        failed = true;
      }
    } else {
      const inner = item.req;
      const res = await dispatch(
        { ...ctx, prefs: parsePrefer(inner.headers.prefer) },
        toApiRequest(ctx, inner, inner.url),
        undefined,
        hooks.onError,
      );
      parts.push(httpPart(withLocation(res), inner.contentId));
      if (res.status >= 400) failed = true;
    }
    if (failed && !continueOnError) break;
  }
  const body = `${parts.map((p) => `--${batchBoundary}\r\n${p}`).join('\r\n')}\r\n--${batchBoundary}--\r\n`;
  return {
    status: failed && !continueOnError ? 400 : 200,
    headers: {
      'Content-Type': `multipart/mixed; boundary=${batchBoundary}`,
      'OData-Version': '4.0',
      ...(continueOnError ? { 'Preference-Applied': 'odata.continue-on-error' } : {}),
    },
    body,
  };
}
