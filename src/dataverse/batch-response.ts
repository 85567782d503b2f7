/** One inner HTTP response of a `$batch` answer. */
export interface BatchPartResponse {
  readonly status: number;
  /** Header names in lower case (MIME part headers and inner HTTP headers together). */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
  readonly contentId?: string;
}

/** A top-level part of the answer: one response, or the responses of a change set. */
export type BatchResponseItem =
  | { readonly kind: 'single'; readonly response: BatchPartResponse }
  | { readonly kind: 'changeSet'; readonly responses: readonly BatchPartResponse[] };

/** The boundary parameter of a multipart Content-Type (quoted or not), if any. */
export function boundaryOf(contentType: string | null | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\//i.test(contentType)) return undefined;
  const match = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/** Where the line starting at `pos` ends (its newline, or the end of the text). */
const lineEnd = (text: string, pos: number): number => {
  const end = text.indexOf('\n', pos);
  return end === -1 ? text.length : end;
};

/** Where the first line from `pos` on that holds more than blanks starts. */
function skipBlankLines(text: string, pos: number): number {
  while (pos < text.length) {
    const end = lineEnd(text, pos);
    if (text.slice(pos, end).trim() !== '') break;
    pos = end + 1;
  }
  return pos;
}

/**
 * Splits a multipart body into its raw parts. Accepts CRLF and bare LF line ends (the docs use
 * CRLF, dynamics-web-api LF); JSON bodies never hold raw line breaks, so normalising is safe.
 * Jumps from delimiter line to delimiter line: a `$batch` answer holds up to 1,000 parts.
 */
export function splitMultipart(body: string, boundary: string): string[] {
  const text = body.includes('\r') ? body.replace(/\r\n/g, '\n') : body;
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let start = -1;
  for (let at = text.indexOf(delimiter); at !== -1; at = text.indexOf(delimiter, at + 1)) {
    if (at > 0 && text[at - 1] !== '\n') continue;
    const end = lineEnd(text, at);
    const tail = text.slice(at + delimiter.length, end).trimEnd();
    if (tail !== '' && tail !== '--') continue;
    if (start !== -1) parts.push(text.slice(start, Math.max(start, at - 1)));
    if (tail === '--') break;
    start = end + 1;
  }
  return parts;
}

/** Splits "headers, blank line, rest" and reads the headers into a lower-cased map. */
function splitHeaders(
  text: string,
  skipBlank = true,
): { headers: Map<string, string>; rest: string } {
  const headers = new Map<string, string>();
  // Tolerate blank lines before MIME part headers; after an HTTP status line a blank line means
  // "no headers".
  let pos = skipBlank ? skipBlankLines(text, 0) : 0;
  while (pos < text.length) {
    const end = lineEnd(text, pos);
    const line = text.slice(pos, end);
    pos = end + 1;
    if (line.trim() === '') break;
    const colon = line.indexOf(':');
    if (colon > 0)
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, rest: text.slice(pos) };
}

function parseHttpPart(raw: string): BatchPartResponse | string {
  const mime = splitHeaders(raw);
  const first = skipBlankLines(mime.rest, 0);
  const end = lineEnd(mime.rest, first);
  const line = mime.rest.slice(first, end);
  const statusLine = /^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(line);
  if (!statusLine) return `part without an HTTP status line: ${line.slice(0, 80)}`;
  const inner = splitHeaders(mime.rest.slice(end + 1), false);
  const contentId = mime.headers.get('content-id') ?? inner.headers.get('content-id');
  const headers = mime.headers;
  for (const [name, value] of inner.headers) headers.set(name, value);
  return {
    status: Number(statusLine[1]),
    headers,
    body: inner.rest.trim(),
    ...(contentId !== undefined ? { contentId } : {}),
  };
}

/**
 * Parses a `$batch` answer into its top-level items, in order. Returns a string describing the
 * problem when the body cannot be read.
 */
export function parseBatchResponse(
  contentType: string | null,
  body: string,
): BatchResponseItem[] | string {
  const boundary = boundaryOf(contentType);
  if (!boundary) return `the batch answer is not multipart (${contentType ?? 'no content type'})`;
  const items: BatchResponseItem[] = [];
  for (const raw of splitMultipart(body, boundary)) {
    const { headers, rest } = splitHeaders(raw);
    const nested = boundaryOf(headers.get('content-type'));
    if (nested) {
      const responses: BatchPartResponse[] = [];
      for (const inner of splitMultipart(rest, nested)) {
        const part = parseHttpPart(inner);
        if (typeof part === 'string') return part;
        responses.push(part);
      }
      items.push({ kind: 'changeSet', responses });
    } else {
      const part = parseHttpPart(raw);
      if (typeof part === 'string') return part;
      items.push({ kind: 'single', response: part });
    }
  }
  return items;
}
