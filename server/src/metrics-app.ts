import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { methodNotAllowed, notFound } from './http-error.js';
import { replyForError, type Reply } from './responder.js';

/** The metrics port: GET /metrics in the Prometheus text format, and nothing else. */
export function createMetricsApp(registry: Registry, log: Logger): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('strict routing', true);
  const send = (res: Response, reply: Reply) =>
    res.status(reply.status).set(reply.headers ?? {}).type(reply.contentType).send(reply.body);

  app.get('/metrics', async (_req, res) => {
    const body = await registry.metrics();
    send(res, { status: 200, body, contentType: registry.contentType });
  });
  app.all('/metrics', (req, res) => send(res, replyForError(methodNotAllowed(req.method, ['GET', 'HEAD']), log)));
  app.use((req: Request, res: Response) => send(res, replyForError(notFound(req.path), log)));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => send(res, replyForError(error, log)));
  return app;
}
