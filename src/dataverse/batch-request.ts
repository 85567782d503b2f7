import { randomUUID } from 'node:crypto';
import type { OperationRequest } from './operations.ts';

/** One top-level part of a `$batch`: a lone request, or an atomic change set of writes. */
export type BatchItem =
  | { readonly kind: 'single'; readonly index: number }
  | { readonly kind: 'changeSet'; readonly indices: readonly number[] };

/** Operations one item stands for. */
export const itemSize = (item: BatchItem): number =>
  item.kind === 'single' ? 1 : item.indices.length;

const CRLF = '\r\n';

/**
 * Builds the `multipart/mixed` body of one `$batch` (OData 4.0 §11.7, Dataverse flavour): each part
 * is an `application/http` request with an absolute URL; change sets are nested multiparts whose
 * parts carry a Content-ID (the operation's index + 1, unique in the batch).
 */
export function buildBatchBody(
  items: readonly BatchItem[],
  requests: readonly OperationRequest[],
  apiUrl: string,
  boundary = `batch_${randomUUID()}`,
): { body: string; contentType: string } {
  const out: string[] = [];
  for (const item of items) {
    out.push(`--${boundary}`);
    if (item.kind === 'single') {
      out.push(httpPart(requests[item.index]!, apiUrl));
      continue;
    }
    const changeSet = `changeset_${randomUUID()}`;
    out.push(`Content-Type: multipart/mixed; boundary=${changeSet}`, '');
    for (const index of item.indices) {
      out.push(`--${changeSet}`, httpPart(requests[index]!, apiUrl, String(index + 1)));
    }
    out.push(`--${changeSet}--`);
  }
  out.push(`--${boundary}--`, '');
  return { body: out.join(CRLF), contentType: `multipart/mixed; boundary=${boundary}` };
}

function httpPart(request: OperationRequest, apiUrl: string, contentId?: string): string {
  const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
  if (contentId) lines.push(`Content-ID: ${contentId}`);
  lines.push('', `${request.method} ${apiUrl}${request.path} HTTP/1.1`);
  const headers: Record<string, string> = { Accept: 'application/json', ...request.headers };
  if (request.body !== undefined) headers['Content-Type'] = 'application/json; type=entry';
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  lines.push('');
  if (request.body !== undefined) lines.push(JSON.stringify(request.body));
  return lines.join(CRLF);
}
