import { failure, ok, type Result } from '../../shared/result.ts';

/**
 * OData `$filter` subset of the BC API: comparisons (eq ne gt ge lt le), `and`, `or`, `not`,
 * parentheses, and `contains`/`startswith`/`endswith`. Parsed into an AST; the AST is turned into
 * parameterized SQL by `filter-sql.ts` against an allow-list of fields. Input never reaches SQL text.
 */
export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type FunctionName = 'contains' | 'startswith' | 'endswith';
export type LiteralType = 'string' | 'number' | 'boolean' | 'null' | 'date' | 'datetime' | 'guid';

export type Operand =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'literal'; readonly type: LiteralType; readonly value: string | null };

export type FilterNode =
  | { readonly kind: 'and' | 'or'; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: 'not'; readonly operand: FilterNode }
  | {
      readonly kind: 'compare';
      readonly op: CompareOp;
      readonly left: Operand;
      readonly right: Operand;
    }
  | {
      readonly kind: 'function';
      readonly name: FunctionName;
      readonly field: string;
      readonly value: string;
    };

type Token =
  | { t: 'lparen' | 'rparen' | 'comma'; pos: number }
  | { t: 'word'; v: string; pos: number }
  | { t: 'literal'; type: LiteralType; v: string | null; pos: number };

const MAX_LENGTH = 4000;
const MAX_DEPTH = 40;
const COMPARE = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCTIONS = new Set(['contains', 'startswith', 'endswith']);
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\w:])/;
const NUMBER = /^-?\d+(\.\d+)?(?![\w-])/;
const WORD = /^[A-Za-z_][A-Za-z0-9_/]*/;

function tokenize(input: string): Result<Token[]> {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ t: c === '(' ? 'lparen' : c === ')' ? 'rparen' : 'comma', pos: i });
      i++;
      continue;
    }
    if (c === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= input.length) return failure('invalid_filter', `Unterminated string at ${i}`);
        if (input[j] === "'") {
          if (input[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += input[j];
        j++;
      }
      tokens.push({ t: 'literal', type: 'string', v: value, pos: i });
      i = j + 1;
      continue;
    }
    const rest = input.slice(i);
    const guidQuoted = /^guid'([^']*)'/i.exec(rest);
    if (guidQuoted) {
      if (!GUID.test(guidQuoted[1]!) || guidQuoted[1]!.length !== 36)
        return failure('invalid_filter', `Invalid GUID literal at ${i}`);
      tokens.push({ t: 'literal', type: 'guid', v: guidQuoted[1]!.toLowerCase(), pos: i });
      i += guidQuoted[0].length;
      continue;
    }
    const m =
      (GUID.exec(rest) && { type: 'guid' as const, m: GUID.exec(rest)! }) ||
      (DATETIME.exec(rest) && { type: 'datetime' as const, m: DATETIME.exec(rest)! }) ||
      (DATE.exec(rest) && { type: 'date' as const, m: DATE.exec(rest)! }) ||
      (NUMBER.exec(rest) && { type: 'number' as const, m: NUMBER.exec(rest)! });
    if (m) {
      tokens.push({ t: 'literal', type: m.type, v: m.m[0], pos: i });
      i += m.m[0].length;
      continue;
    }
    const w = WORD.exec(rest);
    if (w) {
      const word = w[0];
      if (word === 'true' || word === 'false')
        tokens.push({ t: 'literal', type: 'boolean', v: word, pos: i });
      else if (word === 'null') tokens.push({ t: 'literal', type: 'null', v: null, pos: i });
      else tokens.push({ t: 'word', v: word, pos: i });
      i += word.length;
      continue;
    }
    return failure('invalid_filter', `Unexpected character "${c}" at position ${i}`);
  }
  return ok(tokens);
}

class ParseError extends Error {}

/** Parses a `$filter` expression into an AST, or fails with `invalid_filter`. */
export function parseFilter(input: string): Result<FilterNode> {
  if (input.length > MAX_LENGTH)
    return failure('invalid_filter', `$filter is longer than ${MAX_LENGTH} characters`);
  const lexed = tokenize(input);
  if (!lexed.ok) return lexed;
  const tokens = lexed.value;
  let p = 0;
  const peek = () => tokens[p];
  const where = () => (peek() ? `at position ${peek()!.pos}` : 'at the end');
  const expectWord = (w: string) => {
    const tok = peek();
    return tok?.t === 'word' && tok.v.toLowerCase() === w;
  };

  const operand = (): Operand => {
    const tok = tokens[p++];
    if (tok?.t === 'word') return { kind: 'field', name: tok.v };
    if (tok?.t === 'literal') return { kind: 'literal', type: tok.type, value: tok.v };
    throw new ParseError(
      `Expected a field or a value ${tok ? `at position ${tok.pos}` : 'at the end'}`,
    );
  };

  const primary = (depth: number): FilterNode => {
    if (depth > MAX_DEPTH) throw new ParseError('$filter is nested too deeply');
    const tok = peek();
    if (tok?.t === 'lparen') {
      p++;
      const inner = or(depth + 1);
      if (peek()?.t !== 'rparen') throw new ParseError(`Expected ")" ${where()}`);
      p++;
      return inner;
    }
    if (tok?.t === 'word' && tokens[p + 1]?.t === 'lparen') {
      const name = tok.v.toLowerCase();
      if (!FUNCTIONS.has(name)) throw new ParseError(`Unknown function "${tok.v}"`);
      p += 2;
      const field = tokens[p++];
      if (field?.t !== 'word') throw new ParseError(`${name} needs a field as first argument`);
      if (tokens[p++]?.t !== 'comma') throw new ParseError(`Expected "," in ${name}(…)`);
      const value = tokens[p++];
      if (value?.t !== 'literal' || value.type !== 'string')
        throw new ParseError(`${name} needs a string as second argument`);
      if (tokens[p++]?.t !== 'rparen') throw new ParseError(`Expected ")" after ${name}(…`);
      return { kind: 'function', name: name as FunctionName, field: field.v, value: value.v! };
    }
    const left = operand();
    const opTok = tokens[p++];
    const op = opTok?.t === 'word' ? opTok.v.toLowerCase() : '';
    if (!COMPARE.has(op))
      throw new ParseError(
        `Expected a comparison (eq, ne, gt, ge, lt, le) ${opTok ? `at position ${opTok.pos}` : 'at the end'}`,
      );
    const right = operand();
    return { kind: 'compare', op: op as CompareOp, left, right };
  };

  const unary = (depth: number): FilterNode => {
    if (expectWord('not')) {
      p++;
      return { kind: 'not', operand: unary(depth + 1) };
    }
    return primary(depth);
  };

  const and = (depth: number): FilterNode => {
    let left = unary(depth);
    while (expectWord('and')) {
      p++;
      left = { kind: 'and', left, right: unary(depth) };
    }
    return left;
  };

  const or = (depth: number): FilterNode => {
    let left = and(depth);
    while (expectWord('or')) {
      p++;
      left = { kind: 'or', left, right: and(depth) };
    }
    return left;
  };

  try {
    if (tokens.length === 0) throw new ParseError('$filter is empty');
    const node = or(0);
    if (p < tokens.length) throw new ParseError(`Unexpected input ${where()}`);
    return ok(node);
  } catch (err) {
    if (err instanceof ParseError) return failure('invalid_filter', err.message);
    throw err;
  }
}
