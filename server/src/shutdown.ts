import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Readiness } from './responder.js';

export interface ShutdownOptions {
  delayMs: number;
  timeoutMs: number;
}

/**
 * Graceful stop: /ready turns 503 at once, the listeners close after `delayMs` (time for load balancers to see it),
 * in-flight requests finish, and connections still open after `timeoutMs` are cut so the process always ends.
 */
export async function shutDown(servers: readonly Server[], readiness: Readiness, options: ShutdownOptions, log: Logger) {
  readiness.serving = false;
  log.info({ delayMs: options.delayMs }, 'shutdown begun; readiness is now 503');
  if (options.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
  const cutOff = setTimeout(() => {
    log.warn({ timeoutMs: options.timeoutMs }, 'shutdown timeout reached; closing remaining connections');
    for (const server of servers) server.closeAllConnections();
  }, options.timeoutMs);
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        }),
    ),
  );
  clearTimeout(cutOff);
  log.info('shutdown complete');
}
