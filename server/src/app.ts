import type { RequestListener } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { AccessGate } from './access-gate.js';
import { methodNotAllowed, notFound, shuttingDown } from './http-error.js';
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
}

/** The key API as a request listener: /key goes straight to its route, everything else through Express. */
export function createApp(deps: AppDeps): RequestListener {
  const send = createSender(deps.metrics, deps.readiness);
  const keyRoute = createKeyRoute({ ...deps, send });
  const router = createRouter(deps, send);
  return (req, res) => {
    markRequestStart(req);
    if (isKeyPath(req.url ?? '')) keyRoute(req, res);
    else router(req, res);
  };
}

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
