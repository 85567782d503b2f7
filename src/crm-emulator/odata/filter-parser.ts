import { queryError } from '../errors.ts';

/**
 * `$filter` → AST. The grammar covers what Dataverse clients send: comparisons, `and`/`or`/`not`,
 * parentheses, `contains`/`startswith`/`endswith`, and `Microsoft.Dynamics.CRM.<Fn>(…)` query
 * functions. Values never reach SQL as text: the translator binds them as parameters.
 */
export type Literal =
  | { kind: 'lit'; type: 'string'; value: string }
  | { kind: 'lit'; type: 'number' | 'guid' | 'datetime' | 'date'; value: string }
  | { kind: 'lit'; type: 'boolean'; value: boolean }
  | { kind: 'lit'; type: 'null'; value: null };

export type Operand = Literal | { kind: 'prop'; path: string[] };

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; expr: FilterNode }
  | { kind: 'cmp'; op: CompareOp; left: Operand; right: Operand }
  | { kind: 'text'; fn: 'contains' | 'startswith' | 'endswith'; prop: string[]; value: Literal }
  | { kind: 'crm'; fn: string; prop: string; values: string[] };

type Token =
  | { t: 'str'; v: string; pos: number }
  | { t: 'num' | 'guid' | 'datetime' | 'date' | 'id'; v: string; pos: number }
  | { t: 'punct'; v: string; pos: number };

const GUID = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/y;
const DATETIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?(?![\w-])/y;
const DATE = /\d{4}-\d{2}-\d{2}(?![\w-])/y;
const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?[mMdDlLfF]?(?![\w-])/y;
const IDENT = /[A-Za-z_$@][A-Za-z0-9_.]*/y;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const at = (re: RegExp) => {
    re.lastIndex = i;
    const m = re.exec(text);
    return m ? m[0] : undefined;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let v = '';
      for (;;) {
        if (j >= text.length) throw syntax(text, i);
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
    if ('(),/=[]'.includes(c)) {
      out.push({ t: 'punct', v: c, pos: i });
      i++;
      continue;
    }
    const g = at(GUID);
    if (g) {
      out.push({ t: 'guid', v: g.toLowerCase(), pos: i });
      i += g.length;
      continue;
    }
    const dt = at(DATETIME);
    if (dt) {
      out.push({ t: 'datetime', v: dt, pos: i });
      i += dt.length;
      continue;
    }
    const d = at(DATE);
    if (d) {
      out.push({ t: 'date', v: d, pos: i });
      i += d.length;
      continue;
    }
    const n = at(NUMBER);
    if (n) {
      out.push({ t: 'num', v: n.replace(/[mMdDlLfF]$/, ''), pos: i });
      i += n.length;
      continue;
    }
    const id = at(IDENT);
    if (id) {
      out.push({ t: 'id', v: id, pos: i });
      i += id.length;
      continue;
    }
    throw syntax(text, i);
  }
  return out;
}

const syntax = (text: string, pos: number) =>
  queryError(`Syntax error at position ${pos} in '${text}'.`);

const COMPARE = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

/** Parses a `$filter` value; `aliases` resolves `@p1`-style parameter aliases. */
export function parseFilter(text: string, aliases: Map<string, string> = new Map()): FilterNode {
  const tokens = tokenize(text);
  let p = 0;
  const peek = () => tokens[p];
  const fail = (): never => {
    throw syntax(text, peek()?.pos ?? text.length);
  };
  const punct = (v: string) => {
    const t = peek();
    if (t?.t === 'punct' && t.v === v) {
      p++;
      return true;
    }
    return false;
  };
  const expect = (v: string) => {
    if (!punct(v)) fail();
  };
  const keyword = (v: string) => {
    const t = peek();
    if (t?.t === 'id' && t.v === v) {
      p++;
      return true;
    }
    return false;
  };

  const literalOf = (t: Token): Literal | undefined => {
    switch (t.t) {
      case 'str':
        return { kind: 'lit', type: 'string', value: t.v };
      case 'num':
        return { kind: 'lit', type: 'number', value: t.v };
      case 'guid':
        return { kind: 'lit', type: 'guid', value: t.v };
      case 'datetime':
        return { kind: 'lit', type: 'datetime', value: t.v };
      case 'date':
        return { kind: 'lit', type: 'date', value: t.v };
      case 'id':
        if (t.v === 'true' || t.v === 'false')
          return { kind: 'lit', type: 'boolean', value: t.v === 'true' };
        if (t.v === 'null') return { kind: 'lit', type: 'null', value: null };
        if (t.v.startsWith('@')) {
          const raw = aliases.get(t.v);
          if (raw === undefined) throw queryError(`The parameter alias '${t.v}' has no value.`);
          const inner = tokenize(raw);
          if (inner.length !== 1) fail();
          return literalOf(inner[0]!);
        }
        return undefined;
      default:
        return undefined;
    }
  };

  const path = (): string[] => {
    const t = peek();
    if (t?.t !== 'id') return fail();
    p++;
    const parts = [t.v];
    while (punct('/')) {
      const n = peek();
      if (n?.t !== 'id') fail();
      parts.push((n as Token).v as string);
      p++;
    }
    return parts;
  };

  const operand = (): Operand => {
    const t = peek();
    if (!t) return fail();
    const lit = literalOf(t);
    if (lit) {
      p++;
      return lit;
    }
    return { kind: 'prop', path: path() };
  };

  const crmFunction = (name: string): FilterNode => {
    expect('(');
    let prop: string | undefined;
    const values: string[] = [];
    while (!punct(')')) {
      const key = peek();
      if (key?.t !== 'id') fail();
      p++;
      expect('=');
      if ((key as Token).v === 'PropertyName') {
        const v = peek();
        if (v?.t !== 'str') fail();
        prop = (v as Token).v as string;
        p++;
      } else if ((key as Token).v === 'PropertyValues') {
        expect('[');
        while (!punct(']')) {
          const v = peek();
          if (!v || v.t === 'punct') fail();
          values.push(String((v as Token).v));
          p++;
          punct(',');
        }
      } else if ((key as Token).v === 'PropertyValue') {
        const v = peek();
        if (!v || v.t === 'punct') fail();
        values.push(String((v as Token).v));
        p++;
      } else fail();
      punct(',');
    }
    if (!prop) throw queryError(`The function '${name}' needs a PropertyName.`);
    return { kind: 'crm', fn: name, prop, values };
  };

  const primary = (): FilterNode => {
    if (punct('(')) {
      const e = or();
      expect(')');
      return e;
    }
    const t = peek();
    if (t?.t === 'id' && tokens[p + 1]?.t === 'punct' && tokens[p + 1]?.v === '(') {
      const name = t.v;
      p++;
      if (name === 'contains' || name === 'startswith' || name === 'endswith') {
        expect('(');
        const prop = path();
        expect(',');
        const v = peek();
        const lit = v ? literalOf(v) : undefined;
        if (!lit) return fail();
        p++;
        expect(')');
        return { kind: 'text', fn: name, prop, value: lit };
      }
      if (name.startsWith('Microsoft.Dynamics.CRM.')) {
        return crmFunction(name.slice('Microsoft.Dynamics.CRM.'.length));
      }
      throw queryError(`An unknown function with name '${name}' was found.`);
    }
    const left = operand();
    const op = peek();
    if (op?.t !== 'id' || !COMPARE.has(op.v)) return fail();
    p++;
    const right = operand();
    return { kind: 'cmp', op: op.v as CompareOp, left, right };
  };

  const unary = (): FilterNode => (keyword('not') ? { kind: 'not', expr: unary() } : primary());
  const and = (): FilterNode => {
    let left = unary();
    while (keyword('and')) left = { kind: 'and', left, right: unary() };
    return left;
  };
  const or = (): FilterNode => {
    let left = and();
    while (keyword('or')) left = { kind: 'or', left, right: and() };
    return left;
  };

  if (tokens.length === 0) fail();
  const result = or();
  if (p < tokens.length) fail();
  return result;
}
