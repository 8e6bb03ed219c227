import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { AppError } from './app-error';
import { problemFrom } from './problem';

/**
 * Requests that Node's HTTP parser refuses before express sees them (a malformed request line or
 * header, a body framing it cannot accept, headers too large, a request too slow to arrive) get
 * a problem+json 400 too, instead of a bare status line, and the connection is closed.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const detail =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'The request did not arrive in time'
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? 'The request headers are too large'
          : `The request is not valid HTTP/1.1 (${error.code ?? 'parse error'})`;
    const body = JSON.stringify(problemFrom(new AppError('bad_request', detail), '', 'none'));
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
