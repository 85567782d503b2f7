/** Builds `$batch` request bodies for the emulator's batch tests. */

export interface Op {
  method: string;
  url: string;
  body?: unknown;
  contentId?: string;
  headers?: Record<string, string>;
}

/** Writes a $batch body (LF line ends, as dynamics-web-api does; CRLF when asked). */
export function batchBody(items: (Op | Op[])[], eol = '\n'): { body: string; contentType: string } {
  const b = 'batch_abc123';
  const lines: string[] = [];
  const request = (op: Op) => [
    'Content-Type: application/http',
    'Content-Transfer-Encoding: binary',
    ...(op.contentId ? [`Content-ID: ${op.contentId}`] : []),
    '',
    `${op.method} ${op.url} HTTP/1.1`,
    ...(op.body !== undefined ? ['Content-Type: application/json'] : []),
    ...Object.entries(op.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    '',
    ...(op.body !== undefined ? [JSON.stringify(op.body)] : []),
  ];
  for (const [i, item] of items.entries()) {
    lines.push(`--${b}`);
    if (Array.isArray(item)) {
      const cs = `changeset_${i}`;
      lines.push(`Content-Type: multipart/mixed; boundary=${cs}`, '');
      for (const op of item) lines.push(`--${cs}`, ...request(op));
      lines.push(`--${cs}--`);
    } else lines.push(...request(item));
  }
  lines.push(`--${b}--`, '');
  return { body: lines.join(eol), contentType: `multipart/mixed; boundary=${b}` };
}
