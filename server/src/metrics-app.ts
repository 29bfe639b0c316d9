import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { methodNotAllowed, notFound, shuttingDown } from './http-error.js';
import { replyForError, textReply, type Readiness, type Reply } from './responder.js';

/**
 * The metrics port: GET /metrics in the Prometheus text format, and /health and /ready as on the API port, so that
 * probes pointed here keep answering while a flood of clients holds the API port.
 */
export function createMetricsApp(registry: Registry, log: Logger, readiness: Readiness): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('strict routing', true);
  const send = (res: Response, reply: Reply) => {
    // While draining, each answer closes its connection, as on the API port.
    if (!readiness.serving) res.shouldKeepAlive = false;
    res.status(reply.status).set(reply.headers ?? {}).type(reply.contentType).send(reply.body);
  };
  const only = (req: Request, res: Response) => send(res, replyForError(methodNotAllowed(req.method, ['GET', 'HEAD']), log));

  app.get('/metrics', async (_req, res) => {
    const body = await registry.metrics();
    send(res, { status: 200, body, contentType: registry.contentType });
  });
  app.get('/health', (_req, res) => send(res, textReply(200, 'OK')));
  app.get('/ready', (_req, res) => send(res, readiness.serving ? textReply(200, 'OK') : replyForError(shuttingDown(), log)));
  app.all(['/metrics', '/health', '/ready'], only);
  app.use((req: Request, res: Response) => send(res, replyForError(notFound(req.path), log)));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => send(res, replyForError(error, log)));
  return app;
}
