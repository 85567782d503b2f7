import type { FieldDef } from '../catalog/field-types.ts';

/** Converts a raw row (numeric as string) to the API shape: decimals as JSON numbers, dates as text. */
export function toApi(
  row: Record<string, unknown>,
  fields: ReadonlyMap<string, FieldDef>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in row) {
    if (k.charCodeAt(0) === 64 /* @ */) continue;
    const v = row[k];
    const def = fields.get(k);
    if (v === null || v === undefined) out[k] = v ?? null;
    else if (def?.type === 'decimal' || def?.type === 'integer') out[k] = Number(v);
    else if (v instanceof Date) out[k] = v.toISOString();
    else out[k] = v;
  }
  return out;
}

/** The weak ETag of a row version (BC style W/"..."), from the global change sequence. */
export const etagOf = (changeSeq: unknown): string => `W/"${String(changeSeq)}"`;
