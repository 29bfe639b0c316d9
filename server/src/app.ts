import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { AccessGate } from './access-gate.js';
import { HttpError, methodNotAllowed, notFound, shuttingDown } from './http-error.js';
import { createKeyRoute, isKeyPath } from './key-route.js';
import type { Encoding, RandomSource } from './keys.js';
import type { Endpoint, ServerMetrics } from './metrics.js';
import { createSender, markRequestStart, replyForError, textReply, type Readiness, type Send } from './responder.js';

export interface AppDeps {
  maxSize: number;
  defaultEncoding: Encoding;
  metrics: ServerMetrics;
  log: Logger;
  randomSource: RandomSource;
  faultRate: number;
  gate: AccessGate | undefined;
  readiness: Readiness;
  /** Tracks answers in flight and the bytes they queue; absent in tests that need neither. */
  connections?: AnswerTracking;
}

export interface AnswerTracking {
  onRequest(req: IncomingMessage, res: ServerResponse): void;
  reserve(res: ServerResponse, bytes: number): boolean;
}

/** The key API as a request listener: /key goes straight to its route, everything else through Express. */
export function createApp(deps: AppDeps): RequestListener {
  const send = createSender(deps.metrics, deps.readiness);
  const reserve = deps.connections === undefined ? () => true : deps.connections.reserve.bind(deps.connections);
  const keyRoute = createKeyRoute({ ...deps, send, reserve });
  const router = createRouter(deps, send);
  return (req, res) => {
    markRequestStart(req);
    deps.connections?.onRequest(req, res);
    req.url = originForm(req.url ?? '');
    if (req.headers.host === undefined && req.httpVersion === '1.1') {
      send(req, res, 'unmatched', replyForError(missingHost(), deps.log));
    } else if (isKeyPath(req.url)) keyRoute(req, res);
    else router(req, res);
  };
}

const ABSOLUTE_FORM = /^https?:\/\/[^/?#]*/i;

/** `http://host/key/32` → `/key/32`: RFC 9112 §3.2.2 has servers accept the absolute form, meant for proxies. */
function originForm(url: string): string {
  if (url.startsWith('/')) return url;
  const authority = ABSOLUTE_FORM.exec(url);
  if (authority === null) return url;
  const rest = url.slice(authority[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/** Node's own check answers a bare 400; this one answers like every other error (RFC 9112 §3.2). */
const missingHost = () => new HttpError('missing_host', 'an HTTP/1.1 request needs a Host header', { field: 'host' });

function createRouter({ log, readiness }: AppDeps, send: Send): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Express would hash every body into an ETag; we send our own bodies, but keep it off on principle.
  app.set('etag', false);
  app.set('case sensitive routing', true);
  app.set('strict routing', true);

  const only = (endpoint: Endpoint) => (req: Request, res: Response) =>
    send(req, res, endpoint, replyForError(methodNotAllowed(req.method, ['GET', 'HEAD']), log));

  app.get('/health', (req, res) => send(req, res, '/health', textReply(200, 'OK')));
  app.all('/health', only('/health'));
  app.get('/ready', (req, res) => {
    if (readiness.serving) send(req, res, '/ready', textReply(200, 'OK'));
    else send(req, res, '/ready', replyForError(shuttingDown(), log));
  });
  app.all('/ready', only('/ready'));
  app.use((req: Request, res: Response) => send(req, res, 'unmatched', replyForError(notFound(req.path), log)));
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) =>
    send(req, res, 'unmatched', replyForError(error, log)),
  );
  return app;
}
