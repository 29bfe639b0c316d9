import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { HttpError } from './http-error.js';
import type { Endpoint, ServerMetrics } from './metrics.js';

/** Flipped to false when shutdown begins, so /ready tells load balancers to stop sending traffic. */
export interface Readiness {
  serving: boolean;
}

export interface Reply {
  status: number;
  body: string | Buffer;
  contentType: string;
  headers?: Readonly<Record<string, string>>;
}

export type Send = (req: IncomingMessage, res: ServerResponse, endpoint: Endpoint, reply: Reply) => void;

/** Every answer of the key API carries these: keys must never be cached or sniffed into another type. */
export const SECURITY_HEADERS = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } as const;

const startTimes = new WeakMap<IncomingMessage, number>();

/** Called first thing for every request, so latency covers routing as well as the handler. */
export function markRequestStart(req: IncomingMessage): void {
  startTimes.set(req, performance.now());
}

/**
 * The one way a response leaves the key API, whichever router produced it: it sets the common headers and
 * records `http_responses_total` and `request_latency_seconds`.
 */
export function createSender(metrics: ServerMetrics, readiness: Readiness): Send {
  return (req, res, endpoint, reply) => {
    // While draining, each answer closes its connection, so keep-alive clients reconnect to a live instance.
    if (!readiness.serving) res.shouldKeepAlive = false;
    res.writeHead(reply.status, {
      ...SECURITY_HEADERS,
      ...reply.headers,
      'Content-Type': reply.contentType,
      'Content-Length': Buffer.byteLength(reply.body),
    });
    res.end(reply.body);
    const started = startTimes.get(req) ?? performance.now();
    metrics.recordResponse(endpoint, reply.status, (performance.now() - started) / 1000);
  };
}

/** Turns any error into a JSON reply; only an HttpError's own message reaches the client, never a stack. */
export function replyForError(error: unknown, log: Logger): Reply {
  const httpError = toHttpError(error);
  // Only unexpected failures carry a cause worth a log line; a 503 while shutting down is expected.
  if (httpError.cause !== undefined && httpError.status >= 500) log.error({ err: httpError.cause ?? httpError, code: httpError.code }, httpError.message);
  return {
    status: httpError.status,
    body: JSON.stringify(httpError),
    contentType: 'application/json; charset=utf-8',
    headers: httpError.headers,
  };
}

export function textReply(status: number, body: string): Reply {
  return { status, body, contentType: 'text/plain; charset=utf-8' };
}

/** Express's own errors (a malformed percent-encoding, say) carry a 4xx `status`: they stay client errors. */
function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HttpError('bad_request', 'the request could not be parsed', {}, {}, { cause: error });
  }
  return new HttpError('internal_error', 'internal error', {}, {}, { cause: error });
}
