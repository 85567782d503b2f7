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

/**
 * Splits a multipart body into its raw parts. Accepts CRLF and bare LF line ends (the docs use
 * CRLF, dynamics-web-api LF); JSON bodies never hold raw line breaks, so normalising is safe.
 */
export function splitMultipart(body: string, boundary: string): string[] {
  const lines = body.replace(/\r\n/g, '\n').split('\n');
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    const trimmed = line.trimEnd();
    if (trimmed === delimiter || trimmed === `${delimiter}--`) {
      if (current) parts.push(current.join('\n'));
      current = trimmed === delimiter ? [] : undefined;
      if (!current) break;
      continue;
    }
    current?.push(line);
  }
  return parts;
}

/** Splits "headers, blank line, rest" and reads the headers into a lower-cased map. */
function splitHeaders(
  text: string,
  skipBlankLines = true,
): { headers: Map<string, string>; rest: string } {
  const headers = new Map<string, string>();
  const lines = text.split('\n');
  let i = 0;
  // Tolerate blank lines before MIME part headers; after an HTTP status line a blank line means
  // "no headers".
  while (skipBlankLines && i < lines.length && lines[i]!.trim() === '') i++;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') {
      i++;
      break;
    }
    const colon = line.indexOf(':');
    if (colon > 0)
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, rest: lines.slice(i).join('\n') };
}

function parseHttpPart(raw: string): BatchPartResponse | string {
  const mime = splitHeaders(raw);
  const lines = mime.rest.split('\n');
  let first = 0;
  while (first < lines.length && lines[first]!.trim() === '') first++;
  const statusLine = /^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(lines[first] ?? '');
  if (!statusLine) return `part without an HTTP status line: ${(lines[first] ?? '').slice(0, 80)}`;
  const inner = splitHeaders(lines.slice(first + 1).join('\n'), false);
  const headers = new Map([...mime.headers, ...inner.headers]);
  const contentId = mime.headers.get('content-id') ?? inner.headers.get('content-id');
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
