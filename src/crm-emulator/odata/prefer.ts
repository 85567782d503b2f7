/** The preferences of a request's `Prefer` header(s) (comma-separated or repeated). */
export interface Preferences {
  returnRepresentation: boolean;
  maxPageSize?: number;
  trackChanges: boolean;
  continueOnError: boolean;
  /** Patterns of `odata.include-annotations`, e.g. `*` or `OData.Community.Display.V1.FormattedValue`. */
  annotations: string[];
}

/** Splits on commas outside double quotes. */
function splitPrefer(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const c of value) {
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

export function parsePrefer(header: string | undefined): Preferences {
  const prefs: Preferences = {
    returnRepresentation: false,
    trackChanges: false,
    continueOnError: false,
    annotations: [],
  };
  if (!header) return prefs;
  for (const item of splitPrefer(header)) {
    const eq = item.indexOf('=');
    const name = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : item.slice(eq + 1).trim();
    if (name === 'return' && value === 'representation') prefs.returnRepresentation = true;
    else if (name === 'odata.maxpagesize') {
      const n = Number(value);
      if (Number.isInteger(n) && n > 0) prefs.maxPageSize = n;
    } else if (name === 'odata.track-changes') prefs.trackChanges = true;
    else if (name === 'odata.continue-on-error') prefs.continueOnError = true;
    else if (name === 'odata.include-annotations') {
      prefs.annotations = value
        .replace(/^"|"$/g, '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    }
  }
  return prefs;
}

/** True when an annotation term (e.g. `OData.Community.Display.V1.FormattedValue`) was asked for. */
export function wantsAnnotation(prefs: Preferences, term: string): boolean {
  return prefs.annotations.some((p) => {
    if (p.startsWith('-')) return false;
    if (p === '*') return true;
    if (p.endsWith('.*')) return term.startsWith(p.slice(0, -1));
    return p === term;
  });
}
