import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Logger } from 'pino';
import { readTlsCredentials, reloadTlsOnChange, type TlsFiles } from './tls-files.js';

/** The key API's listener: plain HTTP, or HTTPS whose certificate is re-read when its files change. */
export function createApiServer(
  listener: RequestListener,
  tls: TlsFiles | undefined,
  reloadIntervalMs: number,
  log: Logger,
): { server: Server; stopWatching: () => void } {
  if (tls === undefined) return { server: createHttpServer(listener), stopWatching: () => undefined };
  const server = createHttpsServer(readTlsCredentials(tls), listener);
  return { server, stopWatching: reloadTlsOnChange(server, tls, reloadIntervalMs, log) };
}
