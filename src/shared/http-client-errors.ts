import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/*
 * Errors of Node's HTTP parser (headers too large, a request that never finishes arriving, bytes
 * that are not HTTP) happen before any framework sees the request; Node would answer them with an
 * empty body. Both HTTP servers answer them in their error shape with these helpers.
 */

/** A raw HTTP error answer on a socket the HTTP parser gave up on, in the error shape. */
export function rawErrorResponse(socket: Duplex, status: number, body: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Status and message for errors of Node's HTTP parser (headers too large, timeouts, garbage). */
export function clientErrorStatus(err: { code?: string }): { status: number; message: string } {
  if (err.code === 'HPE_HEADER_OVERFLOW')
    return { status: 431, message: 'The request headers are too large' };
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { status: 408, message: 'The request took too long to arrive' };
  return { status: 400, message: 'The request is not valid HTTP' };
}
