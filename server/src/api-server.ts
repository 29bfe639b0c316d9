import { createServer as createHttpServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Logger } from 'pino';
import { answerClientErrors } from './client-error.js';
import type { ContentWatch } from './file-content.js';
import type { ServerMetrics } from './metrics.js';
import { readTlsCredentials, reloadTlsOnChange, type TlsFiles } from './tls-files.js';

export interface ApiServerOptions {
  tls: TlsFiles | undefined;
  reloadIntervalMs: number;
  idleTimeoutMs: number;
  maxConnections: number;
  log: Logger;
  metrics: ServerMetrics;
}

/**
 * Node's timeouts bounded by --idle-timeout: idle keep-alive connections, and clients slow to send their headers
 * (slowloris), which Node answers through the clientError handler with a JSON 408. The Host check is the app's, so
 * its 400 has the JSON shape too.
 */
export function serverOptions(idleTimeoutMs: number): ServerOptions {
  return {
    keepAliveTimeout: idleTimeoutMs,
    headersTimeout: idleTimeoutMs,
    requestTimeout: idleTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, idleTimeoutMs),
    requireHostHeader: false,
  };
}

/** The key API's listener: plain HTTP, or HTTPS whose certificate is re-read when its files change. */
export function createApiServer(listener: RequestListener, options: ApiServerOptions): { server: Server; tlsWatch?: ContentWatch } {
  const base = serverOptions(options.idleTimeoutMs);
  let server: Server;
  let tlsWatch: ContentWatch | undefined;
  if (options.tls === undefined) {
    server = createHttpServer(base, listener);
  } else {
    const credentials = readTlsCredentials(options.tls);
    options.metrics.setCertificateNotAfter(credentials.notAfterSeconds);
    const https = createHttpsServer({ ...base, cert: credentials.cert, key: credentials.key }, listener);
    tlsWatch = reloadTlsOnChange(https, options.tls, options.reloadIntervalMs, options);
    server = https;
  }
  server.maxConnections = options.maxConnections;
  answerClientErrors(server, options.metrics);
  return { server, tlsWatch };
}
