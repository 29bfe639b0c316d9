import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { ConnectionTracker } from './connection-tracker.js';
import type { Readiness } from './responder.js';

export interface ShutdownOptions {
  delayMs: number;
  timeoutMs: number;
}

/**
 * Graceful stop: /ready turns 503 at once and every answer from then on carries `Connection: close`; the listeners
 * close after `delayMs` (time for load balancers to see it); every answer in flight is written to its end, quiet
 * connections are closed, and whatever is still open after `timeoutMs` is cut, so the process always ends.
 */
export async function shutDown(
  servers: readonly Server[],
  connections: ConnectionTracker,
  readiness: Readiness,
  options: ShutdownOptions,
  log: Logger,
): Promise<void> {
  readiness.serving = false;
  log.info({ delayMs: options.delayMs }, 'shutdown begun; readiness is now 503');
  if (options.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
  log.info({ timeoutMs: options.timeoutMs }, 'listeners closed; draining connections');
  const clean = await connections.drain(servers, options.timeoutMs);
  log.info({ clean }, 'shutdown complete');
}
