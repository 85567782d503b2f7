import { isGuid } from '../../shared/ids.ts';
import { failure, ok, type Result } from '../../shared/result.ts';

/** One path segment: an entity set or action name with an optional key `(guid)`. */
export interface Segment {
  readonly name: string;
  readonly key?: string;
}

const SEGMENT = /^(\$?[A-Za-z][A-Za-z0-9.]*)(?:\(([^()]*)\))?$/;

/** Splits `companies(<id>)/salesOrders(<id>)/Microsoft.NAV.release` into checked segments. */
export function parsePath(path: string): Result<Segment[]> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return failure('bad_request', 'The URL is not valid');
  }
  const parts = decoded.split('/').filter((p) => p !== '');
  const segments: Segment[] = [];
  for (const part of parts) {
    const m = SEGMENT.exec(part);
    if (!m) return failure('resource_not_found', `No resource "${part}"`);
    const key = m[2];
    if (key !== undefined) {
      const bare = key.replace(/^guid'(.*)'$/i, '$1');
      if (!isGuid(bare)) return failure('invalid_id', `"${key}" is not a GUID`);
      segments.push({ name: m[1]!, key: bare.toLowerCase() });
    } else segments.push({ name: m[1]! });
  }
  return ok(segments);
}

/** Reads the OData system query options of a list request. */
export function listOptions(query: Record<string, unknown>): Result<{
  filter?: string;
  top?: number;
  skip?: number;
  orderby?: string;
  select?: string;
  expand?: string;
  count?: boolean;
}> {
  const text = (k: string) => {
    const v = query[k];
    return Array.isArray(v) ? undefined : (v as string | undefined);
  };
  for (const k of Object.keys(query)) {
    if (Array.isArray(query[k])) return failure('invalid_query', `${k} is given more than once`);
    if (
      k.startsWith('$') &&
      !['$filter', '$top', '$skip', '$orderby', '$select', '$expand', '$count'].includes(k)
    )
      return failure('invalid_query', `Unsupported query option ${k}`);
  }
  const int = (k: string): Result<number | undefined> => {
    const v = text(k);
    if (v === undefined) return ok(undefined);
    if (!/^\d{1,9}$/.test(v)) return failure('invalid_query', `${k} must be a whole number`);
    return ok(Number(v));
  };
  const top = int('$top');
  if (!top.ok) return top;
  const skip = int('$skip');
  if (!skip.ok) return skip;
  const count = text('$count');
  if (count !== undefined && count !== 'true' && count !== 'false')
    return failure('invalid_query', '$count must be true or false');
  return ok({
    count: count === 'true',
    filter: text('$filter'),
    top: top.value,
    skip: skip.value,
    orderby: text('$orderby'),
    select: text('$select'),
    expand: text('$expand'),
  });
}
