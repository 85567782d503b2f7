import { badRequest, CODES, CrmError } from '../errors.ts';

/** One part of a multipart body: its headers (lower-case names) and content. */
export interface MimePart {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** An HTTP request written inside a `$batch` part. */
export interface InnerRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly contentId?: string;
}

export const brokenBatch = (message: string) => new CrmError(400, CODES.badBatch, message);

/** The boundary of a `multipart/mixed` content type (quoted or not). */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\/mixed/i.test(contentType)) return undefined;
  const m = /boundary\s*=\s*("([^"]+)"|[^;\s]+)/i.exec(contentType);
  return m ? (m[2] ?? m[1]) : undefined;
}

function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw brokenBatch(`Invalid header line in a batch part: '${line}'.`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** Splits a multipart body (CRLF or LF line ends); a missing close delimiter is an error. */
export function parseMultipart(body: string, boundary: string): MimePart[] {
  const lines = body.split(/\r?\n/);
  const open = `--${boundary}`;
  const close = `--${boundary}--`;
  const parts: MimePart[] = [];
  let current: string[] | undefined;
  let closed = false;
  const finish = () => {
    if (!current) return;
    const blank = current.indexOf('');
    const headerLines = blank < 0 ? current : current.slice(0, blank);
    const content = blank < 0 ? [] : current.slice(blank + 1);
    parts.push({ headers: parseHeaders(headerLines), body: content.join('\r\n') });
  };
  for (const line of lines) {
    const t = line.trimEnd();
    if (t === close) {
      finish();
      closed = true;
      break;
    }
    if (t === open) {
      finish();
      current = [];
      continue;
    }
    current?.push(line);
  }
  if (!closed) throw brokenBatch(`The multipart body has no closing delimiter '${close}'.`);
  return parts;
}

/** Reads the HTTP request inside an `application/http` part. */
export function parseInnerRequest(part: MimePart): InnerRequest {
  const type = part.headers['content-type'] ?? '';
  if (!/^application\/http/i.test(type)) {
    throw brokenBatch(`A batch part must have Content-Type application/http, not '${type}'.`);
  }
  const lines = part.body.split(/\r?\n/);
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  const requestLine = /^(GET|POST|PATCH|PUT|DELETE)\s+(.+?)(\s+HTTP\/1\.[01])?$/.exec(
    (lines[0] ?? '').trim(),
  );
  if (!requestLine) throw brokenBatch(`Invalid request line in a batch part: '${lines[0] ?? ''}'.`);
  const rest = lines.slice(1);
  const blank = rest.findIndex((l) => l.trim() === '');
  const headers = parseHeaders(blank < 0 ? rest : rest.slice(0, blank));
  const body =
    blank < 0
      ? ''
      : rest
          .slice(blank + 1)
          .join('\n')
          .trim();
  return {
    method: requestLine[1]!,
    url: requestLine[2]!,
    headers,
    body,
    contentId: part.headers['content-id'] ?? headers['content-id'],
  };
}

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  412: 'Precondition Failed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Writes one response as an `application/http` part. */
export function httpPart(
  res: { status: number; headers: Record<string, string>; body?: string },
  contentId?: string,
): string {
  const head = [
    'Content-Type: application/http',
    'Content-Transfer-Encoding: binary',
    ...(contentId ? [`Content-ID: ${contentId}`] : []),
    '',
    `HTTP/1.1 ${res.status} ${REASONS[res.status] ?? ''}`.trimEnd(),
    ...Object.entries(res.headers).map(([k, v]) => `${k}: ${v}`),
    '',
    res.body ?? '',
  ];
  return head.join('\r\n');
}

export const requireBoundary = (contentType: string | undefined): string => {
  const b = boundaryOf(contentType);
  if (!b) throw badRequest('A $batch request needs Content-Type multipart/mixed with a boundary.');
  return b;
};
