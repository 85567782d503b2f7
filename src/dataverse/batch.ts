import { fail, type Result } from '../shared/result.ts';
import { type BatchItem, buildBatchBody, itemSize } from './batch-request.ts';
import {
  type BatchPartResponse,
  type BatchResponseItem,
  parseBatchResponse,
} from './batch-response.ts';
import { type DataverseError, dataverseError, errorFromResponse } from './errors.ts';
import type { HttpPipeline } from './http-pipeline.ts';
import { type DataverseOperation, type OperationRequest, toRequest } from './operations.ts';
import { type OperationSuccess, operationSuccess } from './responses.ts';
import { parseRetryAfter, retryDelay } from './retry-policy.ts';

/** Dataverse refuses a `$batch` with more than 1,000 requests. */
export const MAX_BATCH_OPERATIONS = 1000;

export interface BatchOptions {
  /**
   * Group consecutive writes without a `changeSet` label into atomic change sets of this many
   * operations. Unset: each unlabelled operation stands alone (fails alone).
   */
  readonly changeSetSize?: number;
  /**
   * Default true: every operation (change set) is attempted and reported. False: processing stops
   * at the first failure; later operations, and later `$batch` requests, report `not_executed`.
   */
  readonly continueOnError?: boolean;
  /** Operations per `$batch` request (default and maximum 1,000). */
  readonly maxOperationsPerBatch?: number;
  /** `$batch` requests in flight at once when continuing on error (default 4). */
  readonly parallelism?: number;
  /** Ask for the records back on writes (bigger answers; gives ETags). */
  readonly returnRepresentation?: boolean;
  /** Columns of those representations (e.g. just the primary key, to get ETags cheaply). */
  readonly select?: readonly string[];
}

export type OperationResult = Result<OperationSuccess, DataverseError>;

/**
 * Plans the `$batch` requests: change sets (by label, or runs of `changeSetSize` writes), then
 * requests of at most `max` operations, never splitting a change set. Reads never go into change
 * sets (Dataverse forbids GET there).
 */
export function planBatches(
  operations: readonly DataverseOperation[],
  options: { changeSetSize?: number; max?: number } = {},
): Result<BatchItem[][], DataverseError> {
  const max = Math.min(options.max ?? MAX_BATCH_OPERATIONS, MAX_BATCH_OPERATIONS);
  const size = options.changeSetSize;
  const items: BatchItem[] = [];
  const labelled = new Map<string, number[]>();
  let run: number[] | undefined;
  operations.forEach((op, index) => {
    const read = op.kind === 'retrieve' || op.kind === 'query';
    const label = read ? undefined : op.changeSet;
    if (label !== undefined) {
      const existing = labelled.get(label);
      if (existing) existing.push(index);
      else {
        const indices = [index];
        labelled.set(label, indices);
        items.push({ kind: 'changeSet', indices });
      }
      return;
    }
    if (read || !size || size <= 1) {
      run = undefined;
      items.push({ kind: 'single', index });
      return;
    }
    if (!run || run.length >= size) {
      run = [index];
      items.push({ kind: 'changeSet', indices: run });
    } else run.push(index);
  });
  const batches: BatchItem[][] = [];
  let current: BatchItem[] = [];
  let count = 0;
  for (const item of items) {
    const n = itemSize(item);
    if (n > max) {
      return fail(
        dataverseError(
          'invalid_request',
          `a change set of ${n} operations exceeds ${max} per $batch`,
        ),
      );
    }
    if (count + n > max) {
      batches.push(current);
      current = [];
      count = 0;
    }
    current.push(item);
    count += n;
  }
  if (current.length) batches.push(current);
  return { ok: true, value: batches };
}

/**
 * Runs any number of operations through `$batch` requests of ≤ 1,000 and returns one result per
 * operation, in input order. A failed change set reports its failure on every operation in it.
 */
export async function executeBatch(
  pipeline: HttpPipeline,
  operations: readonly DataverseOperation[],
  options: BatchOptions = {},
): Promise<OperationResult[]> {
  const continueOnError = options.continueOnError ?? true;
  const results: OperationResult[] = new Array(operations.length);
  const requests: OperationRequest[] = [];
  for (const [i, op] of operations.entries()) {
    const r = toRequest(op, {
      returnRepresentation: options.returnRepresentation,
      select: options.select,
    });
    if (!r.ok)
      return operations.map((_, j) => (j === i ? r : fail(notExecuted('an invalid operation'))));
    requests.push(r.value);
  }
  const plan = planBatches(operations, {
    changeSetSize: options.changeSetSize,
    max: options.maxOperationsPerBatch,
  });
  if (!plan.ok) return operations.map(() => plan);

  const runOne = async (items: BatchItem[]) => {
    let pending = items;
    for (let round = 1; ; round++) {
      const sent = await sendBatch(pipeline, pending, requests, continueOnError);
      const outcome = sent.results;
      for (const [index, result] of outcome) {
        results[index] = round > 1 ? landedCreate(requests[index]!, result) : result;
      }
      // Operations the server throttled (or refused as unavailable) inside an accepted batch did
      // not run: send them again (after the shared pause) when repeating them is safe. A refused
      // batch was already retried by the pipeline.
      const throttled =
        continueOnError && sent.accepted
          ? pending.filter((item) => wasThrottled(item, outcome, requests))
          : [];
      if (throttled.length === 0 || round >= pipeline.retryOptions.maxAttempts) break;
      const waits = throttled.flatMap((item) =>
        indicesOf(item).map((i) => retryAfterOf(outcome.get(i))),
      );
      pipeline.pause(
        Math.max(...waits.map((w) => w ?? 0)) ||
          retryDelay(round, undefined, pipeline.retryOptions),
      );
      pending = throttled;
    }
    return indicesOfAll(items).every((i) => results[i]?.ok);
  };

  if (continueOnError) {
    let next = 0;
    const worker = async () => {
      while (next < plan.value.length) await runOne(plan.value[next++]!);
    };
    await Promise.all(Array.from({ length: Math.max(1, options.parallelism ?? 4) }, worker));
  } else {
    let stopped = false;
    for (const items of plan.value) {
      if (stopped) {
        for (const item of items)
          for (const i of indicesOf(item)) results[i] = fail(notExecuted('an earlier failure'));
        continue;
      }
      stopped = !(await runOne(items));
    }
  }
  return results;
}

const indicesOfAll = (items: readonly BatchItem[]) => items.flatMap((item) => indicesOf(item));

const retryAfterOf = (r: OperationResult | undefined) =>
  r && !r.ok ? r.error.retryAfterMs : undefined;

/** Every operation of the item was answered 429 and each one is safe to repeat. */
function wasThrottled(
  item: BatchItem,
  outcome: ReadonlyMap<number, OperationResult>,
  requests: readonly OperationRequest[],
): boolean {
  return indicesOf(item).every((i) => {
    const r = outcome.get(i);
    // 429: service protection; 503: the part was refused for now. Both are safe to repeat for
    // an idempotent operation (a create carries its GUID, and a repeat that finds it is done).
    return (
      r &&
      !r.ok &&
      (r.error.status === 429 || r.error.status === 503) &&
      requests[i]!.retryClass === 'idempotent'
    );
  });
}

/** On a repeat, a create that meets "duplicate key" had landed the first time. */
function landedCreate(request: OperationRequest, result: OperationResult): OperationResult {
  if (result.ok || result.error.code !== 'duplicate_record' || !request.duplicateMeansDone)
    return result;
  return {
    ok: true,
    value: { status: result.error.status ?? 412, ...(request.id ? { id: request.id } : {}) },
  };
}

const indicesOf = (item: BatchItem): readonly number[] =>
  item.kind === 'single' ? [item.index] : item.indices;

const notExecuted = (why: string) =>
  dataverseError('not_executed', `not executed because of ${why}`);

async function sendBatch(
  pipeline: HttpPipeline,
  items: BatchItem[],
  requests: readonly OperationRequest[],
  continueOnError: boolean,
): Promise<{ results: Map<number, OperationResult>; accepted: boolean }> {
  const { body, contentType } = buildBatchBody(items, requests, pipeline.apiUrl);
  const operationCount = items.reduce((n, item) => n + itemSize(item), 0);
  const sent = await pipeline.send({
    operation: 'batch',
    method: 'POST',
    path: '$batch',
    headers: {
      'Content-Type': contentType,
      ...(continueOnError ? { Prefer: 'odata.continue-on-error' } : {}),
    },
    body,
    // Retried only when the server refused the whole request before running any of it.
    retryClass: 'rejected-only',
    // Stop-on-error batches answer 400 with the multipart body of what ran.
    acceptStatuses: [400],
    batchOperations: operationCount,
  });
  const out = new Map<number, OperationResult>();
  const failAll = (error: DataverseError) => {
    for (const item of items) for (const i of indicesOf(item)) out.set(i, fail(error));
    return { results: out, accepted: false };
  };
  if (!sent.ok) return failAll(sent.error);
  const res = sent.value;
  const parsed = parseBatchResponse(res.headers.get('content-type'), res.body);
  if (typeof parsed === 'string') {
    if (res.status >= 400) {
      return failAll(
        errorFromResponse(res.status, res.body, res.headers, { method: 'POST', path: '$batch' }),
      );
    }
    return failAll(dataverseError('invalid_response', parsed, { status: res.status }));
  }
  mapResponses(items, parsed, requests, out);
  return { results: out, accepted: true };
}

/** Pairs request items with response items in order; missing answers mean "not executed". */
function mapResponses(
  items: readonly BatchItem[],
  responses: readonly BatchResponseItem[],
  requests: readonly OperationRequest[],
  out: Map<number, OperationResult>,
): void {
  let failed: DataverseError | undefined;
  items.forEach((item, position) => {
    const response = responses[position];
    if (!response) {
      const why = failed ? 'an earlier failure in the batch' : 'a missing answer in the batch';
      for (const i of indicesOf(item)) out.set(i, fail(notExecuted(why)));
      return;
    }
    if (item.kind === 'single') {
      const part = response.kind === 'single' ? response.response : response.responses[0];
      const result = part
        ? partResult(requests[item.index]!, part)
        : fail(notExecuted('a missing answer'));
      if (!result.ok) failed ??= result.error;
      out.set(item.index, result);
      return;
    }
    const parts = response.kind === 'single' ? [response.response] : response.responses;
    const error = changeSetFailure(item, parts, requests);
    if (error) {
      failed ??= error.error;
      for (const i of item.indices) {
        const own = i === error.index;
        out.set(i, fail(own ? error.error : { ...error.error, details: { rolledBack: true } }));
      }
      return;
    }
    item.indices.forEach((i, k) => {
      const part = parts.find((p) => p.contentId === String(i + 1)) ?? parts[k];
      out.set(i, part ? partResult(requests[i]!, part) : fail(notExecuted('a missing answer')));
    });
  });
}

/** The error of a failed change set and the index of the operation that caused it, if known. */
function changeSetFailure(
  item: Extract<BatchItem, { kind: 'changeSet' }>,
  parts: readonly BatchPartResponse[],
  requests: readonly OperationRequest[],
): { error: DataverseError; index?: number } | undefined {
  const bad = parts.find((p) => p.status >= 400);
  if (!bad) {
    if (parts.length >= item.indices.length) return undefined;
    return { error: dataverseError('invalid_response', 'the change set answer lacks operations') };
  }
  const index = bad.contentId !== undefined ? Number(bad.contentId) - 1 : undefined;
  const request = index !== undefined && item.indices.includes(index) ? requests[index] : undefined;
  const error = errorFromResponse(bad.status, bad.body, headerGetter(bad), {
    method: request?.method ?? 'POST',
    path: request ? request.path.split('?')[0]! : '$batch change set',
    ifMatch: request?.headers['If-Match'],
  });
  return { error, index: request ? index : undefined };
}

const headerGetter = (part: BatchPartResponse) => ({
  get: (name: string) => part.headers.get(name.toLowerCase()) ?? null,
});

function partResult(request: OperationRequest, part: BatchPartResponse): OperationResult {
  if (part.status >= 400) {
    const error = errorFromResponse(part.status, part.body, headerGetter(part), {
      method: request.method,
      path: request.path.split('?')[0]!,
      ifMatch: request.headers['If-Match'],
    });
    const retryAfterMs = parseRetryAfter(part.headers.get('retry-after'));
    return fail(retryAfterMs === undefined ? error : { ...error, retryAfterMs });
  }
  return operationSuccess(request, part.status, (n) => part.headers.get(n), part.body);
}
