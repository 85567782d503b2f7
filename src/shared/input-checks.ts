/**
 * Characters PostgreSQL cannot store: NUL (text columns refuse it) and lone UTF-16 surrogates
 * (not Unicode; `jsonb` refuses their `\ud800` escapes). Input containing them is refused as a
 * client error before it reaches the database.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is the point.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A description of the first unstorable character in `text`, or undefined when there is none. */
export function unstorableCharacter(text: string): string | undefined {
  const m = UNSTORABLE.exec(text);
  if (!m) return undefined;
  return m[0] === '\u0000'
    ? `a NUL character at position ${m.index}`
    : `a lone surrogate (U+${m[0].charCodeAt(0).toString(16).toUpperCase()}) at position ${m.index}`;
}

/**
 * Walks a parsed JSON body (or query object) and names the first value no API accepts, as
 * `path: description`, or undefined when there is none: a string or property name holding an
 * unstorable character, or a number beyond ±2^53 (JSON.parse already rounded it, so what was
 * sent cannot be known; amounts that large are refused by both Business Central and Dataverse).
 */
export function findUnacceptable(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value === 'string') {
    const bad = unstorableCharacter(value);
    return bad ? `${path || 'value'} contains ${bad}` : undefined;
  }
  if (typeof value === 'number') {
    return Math.abs(value) > Number.MAX_SAFE_INTEGER
      ? `${path || 'value'} is a number beyond ±2^53 that JSON cannot carry exactly`
      : undefined;
  }
  if (value === null || typeof value !== 'object' || depth > 64) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findUnacceptable(value[i], `${path}[${i}]`, depth + 1);
      if (bad) return bad;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    const keyBad = unstorableCharacter(k);
    if (keyBad) return `a property name contains ${keyBad}`;
    const bad = findUnacceptable(v, path ? `${path}.${k}` : k, depth + 1);
    if (bad) return bad;
  }
  return undefined;
}
