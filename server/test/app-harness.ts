import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type { AccessGate } from '../src/access-gate.js';
import { createApp } from '../src/app.js';
import { drawFromOs, type Encoding, type RandomSource } from '../src/keys.js';
import { createMetrics, type ServerMetrics } from '../src/metrics.js';
import type { Readiness } from '../src/responder.js';

export interface RunningApp {
  port: number;
  metrics: ServerMetrics;
  readiness: Readiness;
  close(): Promise<void>;
}

/** A fresh app (its own registry) listening on a free loopback port. */
export async function startApp(
  options: { maxSize?: number; defaultEncoding?: Encoding; randomSource?: RandomSource; faultRate?: number; gate?: AccessGate; metrics?: ServerMetrics } = {},
): Promise<RunningApp> {
  const maxSize = options.maxSize ?? 1024;
  const metrics = options.metrics ?? createMetrics(maxSize, { defaultMetrics: false });
  const readiness = { serving: true };
  const server: Server = createServer(
    createApp({
      maxSize,
      defaultEncoding: options.defaultEncoding ?? 'hex',
      metrics,
      log: pino({ level: 'silent' }),
      randomSource: options.randomSource ?? drawFromOs,
      faultRate: options.faultRate ?? 0,
      gate: options.gate,
      readiness,
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    metrics,
    readiness,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
