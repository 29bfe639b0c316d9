import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { createAccessGate } from './access-gate.js';
import { loadApiKeys } from './api-keys-file.js';
import { createApiServer, serverOptions } from './api-server.js';
import { createApp } from './app.js';
import { clientAddressResolver, parseTrustedProxies } from './client-address.js';
import { parseCommandLine, type ServerConfig } from './config.js';
import { ConnectionTracker } from './connection-tracker.js';
import { FailedAttemptLimiter } from './failed-attempts.js';
import type { ContentWatch } from './file-content.js';
import { drawFromOs } from './keys.js';
import { createLogger } from './logger.js';
import { createMetricsApp } from './metrics-app.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { fitConnectionsToLimit, readOpenFilesLimit } from './open-files.js';
import { RateLimiter } from './rate-limit.js';
import { shutDown } from './shutdown.js';

/** Probes and scrapes need few connections; the cap keeps a flood of the metrics port from taking every descriptor. */
const METRICS_MAX_CONNECTIONS = 64;

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

function listen(server: Server, port: number, host: string, flag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(`${flag}: cannot listen on ${host}:${port}: ${error.code ?? error.message}`)),
    );
    server.listen(port, host, resolve);
  });
}

/** A host name that does not resolve would otherwise surface later as an ENOTFOUND from listen. */
async function checkHostResolves(host: string): Promise<void> {
  if (isIP(host) !== 0) return;
  try {
    await lookup(host);
  } catch (error) {
    throw new Error(`--host: ${JSON.stringify(host)} does not resolve: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      cause: error,
    });
  }
}

interface Runtime {
  config: ServerConfig;
  log: Logger;
  metrics: ServerMetrics;
  readiness: { serving: boolean };
  connections: ConnectionTracker;
}

/** Everything that reads files at start; a failure here names the flag and stops the process. */
function createServers({ config, log, metrics, readiness, connections }: Runtime) {
  const reloadMs = config.reloadIntervalSeconds * 1000;
  const apiKeys = config.apiKeysFile === undefined ? undefined : loadApiKeys(config.apiKeysFile, reloadMs, log, metrics);
  const trusted = config.trustedProxies === undefined ? undefined : parseTrustedProxies(config.trustedProxies);
  const gate = createAccessGate({
    apiKeys: apiKeys?.store,
    failedAttempts: apiKeys === undefined ? undefined : new FailedAttemptLimiter(config.authFailureLimit),
    rateLimiter: config.rateLimit > 0 ? new RateLimiter(config.rateLimit) : undefined,
    rateLimit: config.rateLimit,
    clientAddress: clientAddressResolver(trusted),
    metrics,
  });
  const listener = createApp({
    maxSize: config.maxSize,
    defaultEncoding: config.encoding,
    metrics,
    log,
    randomSource: drawFromOs,
    faultRate: config.faultRate,
    gate,
    readiness,
    connections,
  });
  const tls =
    config.tlsCertFile === undefined || config.tlsKeyFile === undefined
      ? undefined
      : { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile };
  const maxConnections = fitConnectionsToLimit(config.maxConnections, readOpenFilesLimit());
  if (maxConnections < config.maxConnections) {
    log.warn({ requested: config.maxConnections, maxConnections }, '--max-connections lowered to fit the open-files limit');
  }
  const api = createApiServer(listener, {
    tls,
    reloadIntervalMs: reloadMs,
    idleTimeoutMs: config.idleTimeoutSeconds * 1000,
    maxConnections,
    log,
    metrics,
  });
  const watches = [api.tlsWatch, apiKeys?.watch].filter((watch): watch is ContentWatch => watch !== undefined);
  return { api: api.server, watches };
}

function createMetricsServer({ config, log, metrics, readiness, connections }: Runtime): Server {
  const app = createMetricsApp(metrics.registry, log, readiness);
  const server = createServer(serverOptions(config.idleTimeoutSeconds * 1000), (req, res) => {
    connections.onRequest(req, res);
    app(req, res);
  });
  server.maxConnections = METRICS_MAX_CONNECTIONS;
  return server;
}

/** A start-up failure: one line on stderr naming the flag, exit 2, no stack trace. */
function refuseToStart(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`key-server: ${message.replace(/\s+/g, ' ')}\n`);
  process.exit(2);
}

async function run(config: ServerConfig): Promise<void> {
  const log = createLogger(config.logLevel);
  const metrics = createMetrics(config.maxSize, { defaultMetrics: true });
  const connections = new ConnectionTracker(
    { writeTimeoutMs: config.writeTimeoutSeconds * 1000, maxQueuedBytes: config.maxQueuedBytes },
    metrics,
    log,
  );
  const runtime: Runtime = { config, log, metrics, readiness: { serving: true }, connections };
  let servers: ReturnType<typeof createServers>;
  const metricsServer = createMetricsServer(runtime);
  try {
    await checkHostResolves(config.host);
    servers = createServers(runtime);
    connections.watch(servers.api);
    connections.watch(metricsServer);
    await listen(metricsServer, config.metricsPort, config.host, '--metrics-port');
    await listen(servers.api, config.srvPort, config.host, '--srv-port');
  } catch (error) {
    refuseToStart(error);
  }
  // Before the line that tells the world the server is up, so a SIGTERM sent on seeing it is never missed.
  handleSignals(runtime, [servers.api, metricsServer], servers.watches);
  const scheme = config.tlsCertFile === undefined ? 'http' : 'https';
  const { apiKeysFile, tlsCertFile, tlsKeyFile, ...shown } = config;
  log.info(
    { ...shown, tls: tlsCertFile !== undefined && tlsKeyFile !== undefined, apiKeys: apiKeysFile !== undefined, version: packageVersion() },
    `serving keys on ${scheme}://${config.host}:${config.srvPort}`,
  );
  if (config.faultRate > 0) log.warn({ faultRate: config.faultRate }, 'fault injection is on: some key requests fail on purpose');
}

/**
 * SIGTERM or SIGINT starts the drain; another one while draining is logged and ignored (the drain is already bounded
 * by --shutdown-timeout, and answering it by cutting connections would lose the answers the drain protects; SIGKILL
 * remains for an operator who cannot wait). SIGHUP reloads the TLS and API key files at once.
 */
function handleSignals({ config, log, readiness, connections }: Runtime, servers: Server[], watches: ContentWatch[]): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'already shutting down; signal ignored (the drain ends within --shutdown-timeout)');
      return;
    }
    stopping = true;
    log.info({ signal }, 'signal received');
    for (const watch of watches) watch.stop();
    const options = { delayMs: config.shutdownDelaySeconds * 1000, timeoutMs: config.shutdownTimeoutSeconds * 1000 };
    shutDown(servers, connections, readiness, options, log).then(
      () => process.exit(0),
      (error: unknown) => {
        log.fatal({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => {
    log.info({ signal: 'SIGHUP', files: watches.length }, 'reloading files');
    for (const watch of watches) watch.reloadNow();
  });
}

const command = parseCommandLine(process.argv.slice(2));
switch (command.kind) {
  case 'help':
    process.stdout.write(command.text);
    break;
  case 'version':
    process.stdout.write(`${packageVersion()}\n`);
    break;
  case 'invalid':
    process.stderr.write(command.problems.map((problem) => `key-server: ${problem}\n`).join(''));
    process.exitCode = 2;
    break;
  case 'run':
    await run(command.config);
    break;
}
