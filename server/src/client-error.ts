import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorCode } from './error-codes.js';
import { HttpError } from './http-error.js';
import type { ServerMetrics } from './metrics.js';
import { SECURITY_HEADERS } from './responder.js';

/** Node's parser errors, by code, as answers of the error catalogue; anything else the parser refuses is a 400. */
const PARSER_ERRORS: Readonly<Record<string, { code: ErrorCode; message: string }>> = {
  HPE_HEADER_OVERFLOW: { code: 'headers_too_large', message: 'the request headers are too large' },
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'request_timeout', message: 'the request was not received in time' },
};
const MALFORMED = { code: 'bad_request', message: 'the request is not valid HTTP/1.1' } as const;

/** A whole HTTP/1.1 answer written straight to the socket, for requests Node refuses before any handler runs. */
function rawAnswer(error: HttpError): string {
  const body = JSON.stringify(error);
  const headers = {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\n${lines.join('')}\r\n${body}`;
}

/**
 * Gives the requests Node's HTTP parser refuses (a bad method token, NUL in the target, CL+TE, oversized headers, a
 * slowloris caught by the headers timeout) and unmet `Expect` headers the same answers as every other error: the
 * JSON shape, a stable code, the security headers, `Connection: close`, counted in `http_responses_total`.
 */
export function answerClientErrors(server: Server, metrics: ServerMetrics): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const response = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    // A reset connection cannot be answered, nor one whose answer has already begun.
    if (error.code === 'ECONNRESET' || !socket.writable || response?.headersSent === true) {
      socket.destroy();
      return;
    }
    const known = PARSER_ERRORS[error.code ?? ''] ?? MALFORMED;
    const answer = new HttpError(known.code, known.message);
    socket.end(rawAnswer(answer));
    metrics.recordResponse('unmatched', answer.status, 0);
  });
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    const answer = new HttpError('expectation_failed', 'only "Expect: 100-continue" is supported', { field: 'expect' });
    const body = JSON.stringify(answer);
    res.shouldKeepAlive = false;
    res.writeHead(answer.status, {
      ...SECURITY_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
    metrics.recordResponse('unmatched', answer.status, 0);
  });
}
