import { z } from 'zod';
import { AppError } from '../shared/errors.ts';
import { mappingNameOf } from '../sync/mappings/mapping-name.ts';

/** A parsed form body: repeated names (checkbox lists) become arrays. */
export type FormBody = Record<string, string | string[]>;

/** Parses `application/x-www-form-urlencoded` as browsers and htmx send it. */
export function parseForm(text: string): FormBody {
  const out: FormBody = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

/** A form value that may be sent once or several times, as a list. */
export const many = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(item));

/** A list page's mapping filter as typed: blank lists every mapping, else the name as stored. */
export const mappingFilter = z
  .string()
  .max(30)
  .optional()
  .transform((s) => (s?.trim() ? mappingNameOf(s) : undefined));

/** A checkbox: present ("on") means true. */
export const checkbox = z.preprocess((v) => v === 'on' || v === 'true', z.boolean());

/** Validates a form or query with zod; the problems become one readable message. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  throw new AppError(
    'validation_failed',
    parsed.error.issues
      .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
      .join('; '),
  );
}
