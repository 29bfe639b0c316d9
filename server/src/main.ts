import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { createAccessGate } from './access-gate.js';
import { loadApiKeys } from './api-keys-file.js';
import { createApiServer } from './api-server.js';
import { createApp } from './app.js';
import { parseCommandLine, type ServerConfig } from './config.js';
import { drawFromOs } from './keys.js';
import { createLogger } from './logger.js';
import { createMetricsApp } from './metrics-app.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { RateLimiter } from './rate-limit.js';
import { shutDown } from './shutdown.js';

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

/** Everything that reads files at start; a failure here names the flag and stops the process. */
function createServers(config: ServerConfig, log: Logger, metrics: ServerMetrics, readiness: { serving: boolean }) {
  const reloadMs = config.reloadIntervalSeconds * 1000;
  const apiKeys = config.apiKeysFile === undefined ? undefined : loadApiKeys(config.apiKeysFile, reloadMs, log);
  const rateLimiter = config.rateLimit > 0 ? new RateLimiter(config.rateLimit) : undefined;
  const gate = createAccessGate({ apiKeys: apiKeys?.store, rateLimiter, rateLimit: config.rateLimit, metrics });
  const listener = createApp({
    maxSize: config.maxSize,
    defaultEncoding: config.encoding,
    metrics,
    log,
    randomSource: drawFromOs,
    faultRate: config.faultRate,
    gate,
    readiness,
  });
  const tls =
    config.tlsCertFile === undefined || config.tlsKeyFile === undefined
      ? undefined
      : { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile };
  const api = createApiServer(listener, tls, reloadMs, log);
  const stopWatching = () => {
    api.stopWatching();
    apiKeys?.stop();
  };
  return { api: api.server, stopWatching };
}

async function run(config: ServerConfig): Promise<void> {
  const log = createLogger(config.logLevel);
  const metrics = createMetrics(config.maxSize, { defaultMetrics: true });
  const readiness = { serving: true };
  const metricsServer = createServer(createMetricsApp(metrics.registry, log));
  let servers: ReturnType<typeof createServers>;
  try {
    servers = createServers(config, log, metrics, readiness);
    await listen(metricsServer, config.metricsPort, config.host, '--metrics-port');
    await listen(servers.api, config.srvPort, config.host, '--srv-port');
  } catch (error) {
    log.fatal({ err: error }, 'cannot start');
    process.stderr.write(`key-server: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const scheme = config.tlsCertFile === undefined ? 'http' : 'https';
  const { apiKeysFile, tlsCertFile, tlsKeyFile, ...shown } = config;
  log.info(
    { ...shown, tls: tlsCertFile !== undefined && tlsKeyFile !== undefined, apiKeys: apiKeysFile !== undefined, version: packageVersion() },
    `serving keys on ${scheme}://${config.host}:${config.srvPort}`,
  );
  if (config.faultRate > 0) log.warn({ faultRate: config.faultRate }, 'fault injection is on: some key requests fail on purpose');

  const stop = (signal: NodeJS.Signals) => {
    log.info({ signal }, 'signal received');
    servers.stopWatching();
    const options = { delayMs: config.shutdownDelaySeconds * 1000, timeoutMs: config.shutdownTimeoutSeconds * 1000 };
    shutDown([servers.api, metricsServer], readiness, options, log).then(
      () => process.exit(0),
      (error: unknown) => {
        log.fatal({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
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
