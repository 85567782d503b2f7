import { isValidIsoDate, isValidIsoDateTime } from '../calendar.ts';
import { unstorableCharacter } from '../input-checks.ts';
import { fail, ok, type Result } from '../result.ts';
import type { FilterError } from './ast.ts';

/** One lexical unit of a `$filter`; `pos` is its offset in the text, for error messages. */
export type Token =
  | { readonly t: 'str'; readonly v: string; readonly pos: number }
  | {
      readonly t: 'num' | 'guid' | 'datetime' | 'date' | 'id';
      readonly v: string;
      readonly pos: number;
    }
  | { readonly t: 'punct'; readonly v: string; readonly pos: number };

const GUID =
  /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])/y;
const GUID_QUOTED = /guid'([^']*)'/iy;
const DATETIME =
  /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?(?![\w:.-])/y;
const DATE = /\d{4}-\d{2}-\d{2}(?![\w:.-])/y;
// Decimal with optional exponent; the m/d/l/f type suffixes of older OData clients are dropped.
const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?[mMdDlLfF]?(?![\w.-])/y;
const IDENT = /[A-Za-z_$@][A-Za-z0-9_.]*/y;
const PUNCT = '(),/=[]:';

export const syntaxError = (message: string): FilterError => ({ code: 'invalid_filter', message });

const at = (pos: number, what: string) =>
  fail(syntaxError(`Syntax error in $filter at position ${pos}: ${what}.`));

/** Splits a `$filter` into tokens; literals are checked (real dates, finite numbers, GUIDs). */
export function tokenize(text: string): Result<Token[], FilterError> {
  const bad = unstorableCharacter(text);
  if (bad) return fail(syntaxError(`$filter contains ${bad}.`));
  const out: Token[] = [];
  let i = 0;
  const match = (re: RegExp): RegExpExecArray | null => {
    re.lastIndex = i;
    return re.exec(text);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let v = '';
      for (;;) {
        if (j >= text.length) return at(i, 'the string is not closed');
        if (text[j] === c) {
          if (text[j + 1] === c) {
            v += c;
            j += 2;
            continue;
          }
          break;
        }
        v += text[j];
        j++;
      }
      out.push({ t: 'str', v, pos: i });
      i = j + 1;
      continue;
    }
    if (PUNCT.includes(c)) {
      out.push({ t: 'punct', v: c, pos: i });
      i++;
      continue;
    }
    const quoted = match(GUID_QUOTED);
    if (quoted) {
      const g = quoted[1]!;
      GUID.lastIndex = 0;
      if (g.length !== 36 || !GUID.test(g)) return at(i, `'${g}' is not a GUID`);
      out.push({ t: 'guid', v: g.toLowerCase(), pos: i });
      i += quoted[0].length;
      continue;
    }
    const guid = match(GUID);
    if (guid) {
      out.push({ t: 'guid', v: guid[0].toLowerCase(), pos: i });
      i += guid[0].length;
      continue;
    }
    const dt = match(DATETIME);
    if (dt) {
      if (!isValidIsoDateTime(dt[0])) return at(i, `${dt[0]} is not a valid date and time`);
      out.push({ t: 'datetime', v: dt[0], pos: i });
      i += dt[0].length;
      continue;
    }
    const d = match(DATE);
    if (d) {
      if (!isValidIsoDate(d[0])) return at(i, `${d[0]} is not a valid date`);
      out.push({ t: 'date', v: d[0], pos: i });
      i += d[0].length;
      continue;
    }
    const n = match(NUMBER);
    if (n) {
      const v = n[0].replace(/[mMdDlLfF]$/, '');
      if (!Number.isFinite(Number(v))) return at(i, `${v} is out of range`);
      out.push({ t: 'num', v, pos: i });
      i += n[0].length;
      continue;
    }
    const id = match(IDENT);
    if (id) {
      out.push({ t: 'id', v: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    return at(i, `unexpected character '${c}'`);
  }
  return ok(out);
}
