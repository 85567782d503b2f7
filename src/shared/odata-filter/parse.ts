import { fail, ok, type Result } from '../result.ts';
import type {
  CompareOp,
  FilterError,
  FilterNode,
  LambdaOp,
  Literal,
  Operand,
  PropertyPath,
  TextFunctionName,
} from './ast.ts';
import { syntaxError, type Token, tokenize } from './tokenize.ts';

/**
 * Parses an OData `$filter`: comparisons (eq ne gt ge lt le), `and` (binds tighter) / `or` /
 * `not`, parentheses, `contains`/`startswith`/`endswith`, `Microsoft.Dynamics.CRM.<Fn>(…)` query
 * functions, `collection/any(x: …)` / `all(…)` lambdas and `@p` parameter aliases. Which of these
 * a part supports is decided by its SQL translator; the grammar and its messages are one.
 */
export interface ParseOptions {
  /** Values of `@name` parameter aliases given next to `$filter` in the query string. */
  readonly aliases?: ReadonlyMap<string, string>;
  /** Longest accepted text (default 4,000 characters). */
  readonly maxLength?: number;
}

const MAX_DEPTH = 40;
const COMPARE = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const TEXT_FUNCTIONS = new Set<string>(['contains', 'startswith', 'endswith']);
const LAMBDAS = new Set<string>(['any', 'all']);
const CRM_PREFIX = 'Microsoft.Dynamics.CRM.';

class ParseError extends Error {}

/** Parses a `$filter` into its syntax tree, or fails with `invalid_filter` and a position. */
export function parseFilter(
  text: string,
  options: ParseOptions = {},
): Result<FilterNode, FilterError> {
  const maxLength = options.maxLength ?? 4000;
  if (text.length > maxLength)
    return fail(syntaxError(`$filter is longer than ${maxLength} characters.`));
  const lexed = tokenize(text);
  if (!lexed.ok) return lexed;
  const tokens = lexed.value;
  let p = 0;
  const peek = (ahead = 0): Token | undefined => tokens[p + ahead];
  const where = () => (peek() ? `at position ${peek()!.pos}` : 'at the end');
  const error = (what: string): never => {
    throw new ParseError(`Syntax error in $filter ${where()}: ${what}.`);
  };
  const isPunct = (v: string, ahead = 0) => {
    const t = peek(ahead);
    return t?.t === 'punct' && t.v === v;
  };
  const punct = (v: string) => {
    if (!isPunct(v)) return false;
    p++;
    return true;
  };
  const expect = (v: string, what = `expected '${v}'`) => {
    if (!punct(v)) error(what);
  };
  const keyword = (v: string) => {
    const t = peek();
    if (t?.t !== 'id' || t.v.toLowerCase() !== v) return false;
    p++;
    return true;
  };

  const literalOf = (t: Token): Literal | undefined => {
    switch (t.t) {
      case 'str':
        return { kind: 'literal', type: 'string', value: t.v };
      case 'num':
        return { kind: 'literal', type: 'number', value: t.v };
      case 'guid':
      case 'datetime':
      case 'date':
        return { kind: 'literal', type: t.t, value: t.v };
      case 'id': {
        const lower = t.v.toLowerCase();
        if (lower === 'true' || lower === 'false')
          return { kind: 'literal', type: 'boolean', value: lower === 'true' };
        if (lower === 'null') return { kind: 'literal', type: 'null', value: null };
        if (t.v.startsWith('@')) {
          const raw = options.aliases?.get(t.v);
          if (raw === undefined) error(`the parameter alias '${t.v}' has no value`);
          const inner = tokenize(raw!);
          if (!inner.ok) throw new ParseError(inner.error.message);
          const lit = inner.value.length === 1 ? literalOf(inner.value[0]!) : undefined;
          if (!lit) error(`the parameter alias '${t.v}' is not a single value`);
          return lit;
        }
        return undefined;
      }
      default:
        return undefined;
    }
  };

  const segment = (): string => {
    const t = peek();
    if (t?.t !== 'id' || t.v.startsWith('@')) return error('expected a property name');
    p++;
    return t.v;
  };

  /** A property path, or a lambda when the path ends in `/any(…)` or `/all(…)`. */
  const pathOrLambda = (depth: number): PropertyPath | FilterNode => {
    const path = [segment()];
    while (punct('/')) {
      const t = peek();
      if (t?.t === 'id' && LAMBDAS.has(t.v) && isPunct('(', 1)) {
        p += 2;
        return lambda(t.v as LambdaOp, path, depth);
      }
      path.push(segment());
    }
    return { kind: 'property', path };
  };

  const lambda = (op: LambdaOp, collection: string[], depth: number): FilterNode => {
    if (punct(')')) {
      if (op === 'all') error("'all' needs a predicate");
      return { kind: 'lambda', op, collection };
    }
    const variable = segment();
    expect(':', "expected ':' after the lambda variable");
    const predicate = or(depth + 1);
    expect(')');
    return { kind: 'lambda', op, collection, variable, predicate };
  };

  const operand = (depth: number): Operand => {
    const t = peek();
    if (!t) return error('expected a property or a value');
    const lit = literalOf(t);
    if (lit) {
      p++;
      return lit;
    }
    if (t.t !== 'id') return error('expected a property or a value');
    const node = pathOrLambda(depth);
    if (node.kind !== 'property') return error('a lambda cannot be compared');
    return node;
  };

  const textFunction = (fn: TextFunctionName, depth: number): FilterNode => {
    expect('(');
    const property = pathOrLambda(depth);
    if (property.kind !== 'property') return error(`${fn} needs a property as first argument`);
    expect(',', `expected ',' in ${fn}(…)`);
    const v = peek();
    const value = v ? literalOf(v) : undefined;
    if (!value) return error(`${fn} needs a value as second argument`);
    p++;
    expect(')', `expected ')' after ${fn}(…`);
    return { kind: 'text', fn, property, value };
  };

  const rawValue = (): string => {
    const v = peek();
    if (!v || v.t === 'punct') return error('expected a value');
    p++;
    return v.v;
  };

  const queryFunction = (name: string): FilterNode => {
    expect('(');
    let property: string | undefined;
    const values: string[] = [];
    while (!punct(')')) {
      const key = peek();
      if (key?.t !== 'id') return error(`expected a parameter name in ${name}(…)`);
      p++;
      expect('=');
      if (key.v === 'PropertyName') {
        const v = peek();
        if (v?.t !== 'str') return error('PropertyName needs a quoted property name');
        property = v.v;
        p++;
      } else if (key.v === 'PropertyValues') {
        expect('[');
        while (!punct(']')) {
          values.push(rawValue());
          if (!isPunct(']')) expect(',', "expected ',' or ']'");
        }
      } else if (key.v === 'PropertyValue') {
        values.push(rawValue());
      } else error(`unknown parameter '${key.v}' of ${name}`);
      if (!isPunct(')')) expect(',', "expected ',' or ')'");
    }
    if (!property) throw new ParseError(`The function '${name}' needs a PropertyName.`);
    return { kind: 'queryFunction', name, property, values };
  };

  const primary = (depth: number): FilterNode => {
    if (depth > MAX_DEPTH) throw new ParseError('$filter is nested too deeply.');
    if (punct('(')) {
      const inner = or(depth + 1);
      expect(')');
      return inner;
    }
    const t = peek();
    if (t?.t === 'id' && isPunct('(', 1)) {
      p++;
      const lower = t.v.toLowerCase();
      if (TEXT_FUNCTIONS.has(lower)) return textFunction(lower as TextFunctionName, depth);
      if (t.v.startsWith(CRM_PREFIX)) return queryFunction(t.v.slice(CRM_PREFIX.length));
      throw new ParseError(`An unknown function with name '${t.v}' was found in $filter.`);
    }
    if (t?.t === 'id' && !literalOf(t)) {
      const node = pathOrLambda(depth);
      if (node.kind === 'lambda') return node;
      return comparison(node as PropertyPath, depth);
    }
    return comparison(operand(depth), depth);
  };

  const comparison = (left: Operand, depth: number): FilterNode => {
    const op = peek();
    const name = op?.t === 'id' ? op.v.toLowerCase() : '';
    if (!COMPARE.has(name)) return error('expected a comparison (eq, ne, gt, ge, lt, le)');
    p++;
    const right = operand(depth);
    return { kind: 'compare', op: name as CompareOp, left, right };
  };

  const unary = (depth: number): FilterNode => {
    if (depth > MAX_DEPTH) throw new ParseError('$filter is nested too deeply.');
    return keyword('not') ? { kind: 'not', operand: unary(depth + 1) } : primary(depth);
  };
  const and = (depth: number): FilterNode => {
    let left = unary(depth);
    while (keyword('and')) left = { kind: 'and', left, right: unary(depth) };
    return left;
  };
  const or = (depth: number): FilterNode => {
    let left = and(depth);
    while (keyword('or')) left = { kind: 'or', left, right: and(depth) };
    return left;
  };

  try {
    if (tokens.length === 0) return fail(syntaxError('$filter is empty.'));
    const node = or(0);
    if (p < tokens.length) error('unexpected input');
    return ok(node);
  } catch (err) {
    if (err instanceof ParseError) return fail(syntaxError(err.message));
    throw err;
  }
}
