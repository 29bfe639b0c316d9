import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AccessGate } from './access-gate.js';
import { HttpError, methodNotAllowed, notFound } from './http-error.js';
import { parseKeyRequest } from './key-request.js';
import { encodeKey, type Encoding, type RandomSource } from './keys.js';
import type { ServerMetrics } from './metrics.js';
import { replyForError, type Send } from './responder.js';

export interface KeyRouteOptions {
  maxSize: number;
  defaultEncoding: Encoding;
  randomSource: RandomSource;
  /** Share of valid key requests answered 500 on purpose, for alerting drills; 0 in normal operation. */
  faultRate: number;
  /** Authentication and rate limiting, when configured; runs before the request is parsed. */
  gate: AccessGate | undefined;
  metrics: ServerMetrics;
  send: Send;
  log: Logger;
  /** Reserves room for an answer of this many bytes among all queued answers; false when there is none. */
  reserve: (res: ServerResponse, bytes: number) => boolean;
}

export const KEY_PATH_PREFIX = '/key';
const ALLOWED_METHODS = ['GET', 'HEAD'];

/** True for `/key`, `/key/…` and `/key?…`: every URL this route answers, including its 4xx. */
export function isKeyPath(url: string): boolean {
  if (!url.startsWith(KEY_PATH_PREFIX)) return false;
  const next = url.charCodeAt(KEY_PATH_PREFIX.length);
  return Number.isNaN(next) || next === 0x2f /* / */ || next === 0x3f /* ? */;
}

/**
 * GET /key/<length>: served ahead of Express's router because it is the hot path, yet it answers through the
 * same sender and error replies as every other route.
 */
export function createKeyRoute(options: KeyRouteOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { send, log } = options;
  const fail = (req: IncomingMessage, res: ServerResponse, error: unknown) =>
    send(req, res, '/key/{length}', replyForError(error, log));

  return (req, res) => {
    try {
      const { path, query, segment } = splitKeyUrl(req.url ?? '');
      if (segment.includes('/')) {
        send(req, res, 'unmatched', replyForError(notFound(path), log));
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(req.method ?? '', ALLOWED_METHODS);
      options.gate?.(req);
      const request = parseKeyRequest(segment, query, req.headers.accept, options);
      options.metrics.observeKeyLength(request.length);
      // Hex is the longest form: twice the bytes.
      if (!options.reserve(res, request.length * 2)) throw overloaded();
      if (options.faultRate > 0 && Math.random() < options.faultRate) throw injectedFault();
      const drawn = drawKey(options.randomSource, request.length);
      if (Buffer.isBuffer(drawn)) {
        send(req, res, '/key/{length}', { status: 200, ...encodeKey(drawn, request.encoding) });
        return;
      }
      drawn.then(
        (bytes) => send(req, res, '/key/{length}', { status: 200, ...encodeKey(bytes, request.encoding) }),
        (error: unknown) => fail(req, res, error),
      );
    } catch (error) {
      fail(req, res, error);
    }
  };
}

/** `/key/32?encoding=hex` → path `/key/32`, query `encoding=hex`, segment `32` (everything after `/key/`). */
function splitKeyUrl(url: string): { path: string; query: string; segment: string } {
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const query = queryStart === -1 ? '' : url.slice(queryStart + 1);
  const segment = path.length > KEY_PATH_PREFIX.length ? path.slice(KEY_PATH_PREFIX.length + 1) : '';
  return { path, query, segment };
}

function overloaded(): HttpError {
  return new HttpError('overloaded', 'too many key answers are waiting for their clients to read them; try again', {}, {
    'Retry-After': '1',
  });
}

function injectedFault(): HttpError {
  return new HttpError('injected_fault', 'fault injected on purpose by --fault-rate (an alerting drill)');
}

function drawKey(randomSource: RandomSource, length: number): Buffer | Promise<Buffer> {
  let drawn: Buffer | Promise<Buffer>;
  try {
    drawn = randomSource(length);
  } catch (error) {
    throw entropyUnavailable(error);
  }
  return Buffer.isBuffer(drawn) ? drawn : drawn.catch((error: unknown) => Promise.reject(entropyUnavailable(error)));
}

/** A CSPRNG failure is a temporary server-side condition: a 503 the client may retry, not a crash. */
function entropyUnavailable(cause: unknown): HttpError {
  return new HttpError('entropy_unavailable', 'random bytes are unavailable; try again', {}, { 'Retry-After': '1' }, {
    cause,
  });
}
