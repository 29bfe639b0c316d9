import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const KEY_LENGTH_BUCKET_COUNT = 20;

/**
 * Fine enough below a millisecond to show the key path's real latency, and wide enough that a p99 alert
 * threshold (say 250 ms) falls on a bucket boundary the histogram can actually report.
 */
export const LATENCY_BUCKETS_SECONDS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

/** `max * i / 20`, computed per bucket so 2048 gives 102.4, 204.8, … 2048 with no accumulated float noise. */
export function keyLengthBuckets(maxSize: number): number[] {
  return Array.from({ length: KEY_LENGTH_BUCKET_COUNT }, (_, i) => (maxSize * (i + 1)) / KEY_LENGTH_BUCKET_COUNT);
}

const MISNAMED_DEFAULT_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** The route a response belongs to: a fixed set, so a scan of random URLs cannot create new series. */
export type Endpoint = '/key/{length}' | '/health' | '/ready' | 'unmatched';

export interface ServerMetrics {
  registry: Registry;
  observeKeyLength(length: number): void;
  recordResponse(endpoint: Endpoint, statusCode: number, seconds: number): void;
  countRejection(reason: RejectionReason): void;
  countReloadFailure(file: ReloadedFile): void;
  setCertificateNotAfter(seconds: number): void;
  countConnectionCut(reason: CutReason): void;
}

/** The files the server re-reads while running. */
export type ReloadedFile = 'api_keys' | 'tls';
/** Why the server closed a connection on its own: the label of `key_server_connections_cut_total`. */
export type CutReason = 'connection_limit' | 'write_timeout' | 'shutdown_timeout';
const CUT_REASONS: readonly CutReason[] = ['connection_limit', 'write_timeout', 'shutdown_timeout'];

/** Why a key request was refused before any key was drawn; never the presented key itself. */
export type RejectionReason = 'missing_key' | 'invalid_key' | 'malformed_authorization' | 'rate_limited' | 'too_many_failed_attempts';
const REJECTION_REASONS: readonly RejectionReason[] = [
  'missing_key',
  'invalid_key',
  'malformed_authorization',
  'rate_limited',
  'too_many_failed_attempts',
];

export function createMetrics(maxSize: number, options: { defaultMetrics: boolean }): ServerMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) {
    collectDefaultMetrics({ register: registry });
    // These gauges break the naming rule promtool checks (`_total` is for counters) and only repeat
    // nodejs_active_handles, nodejs_active_requests and nodejs_active_resources.
    for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);
  }
  const keyLength = new Histogram({
    name: 'key_length_bytes',
    help: 'Length in bytes of the keys requested with a valid length',
    buckets: keyLengthBuckets(maxSize),
    registers: [registry],
  });
  const responses = new Counter({
    name: 'http_responses_total',
    help: 'HTTP responses sent by the key API, by status code',
    labelNames: ['status_code'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'request_latency_seconds',
    help: 'Time from request to response on the key API, by route',
    labelNames: ['endpoint'],
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  const rejections = new Counter({
    name: 'key_requests_rejected_total',
    help: 'Key requests refused by authentication or rate limiting, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const reloadFailures = new Counter({
    name: 'key_server_reload_failures_total',
    help: 'Reloads of a changed TLS or API keys file that were refused (the previous material stays in use), by file',
    labelNames: ['file'],
    registers: [registry],
  });
  // Registered with the first certificate, so a plain-HTTP server does not report an expiry of 0 (1970).
  let notAfter: Gauge | undefined;
  const certificateNotAfter = () =>
    (notAfter ??= new Gauge({
      name: 'tls_certificate_not_after_timestamp_seconds',
      help: 'Expiry (notAfter, Unix seconds) of the TLS certificate the key API serves',
      registers: [registry],
    }));
  const cuts = new Counter({
    name: 'key_server_connections_cut_total',
    help: 'Connections the key API closed on its own, by reason (connection cap, write timeout, shutdown timeout)',
    labelNames: ['reason'],
    registers: [registry],
  });
  // Present from the start at 0, so rate() and alerts see the first increment.
  for (const reason of REJECTION_REASONS) rejections.labels(reason).inc(0);
  for (const file of ['api_keys', 'tls']) reloadFailures.labels(file).inc(0);
  for (const reason of CUT_REASONS) cuts.labels(reason).inc(0);
  // Label lookups hash their arguments on every call; the hot path reuses one child per label value instead.
  const responseChildren = new Map<number, ReturnType<typeof responses.labels>>();
  const latencyChildren = new Map<Endpoint, ReturnType<typeof latency.labels>>();
  return {
    registry,
    observeKeyLength: (length) => keyLength.observe(length),
    countRejection: (reason) => rejections.labels(reason).inc(),
    countReloadFailure: (file) => reloadFailures.labels(file).inc(),
    setCertificateNotAfter: (seconds) => certificateNotAfter().set(seconds),
    countConnectionCut: (reason) => cuts.labels(reason).inc(),
    recordResponse(endpoint, statusCode, seconds) {
      let counter = responseChildren.get(statusCode);
      if (counter === undefined) {
        counter = responses.labels(String(statusCode));
        responseChildren.set(statusCode, counter);
      }
      counter.inc();
      let timer = latencyChildren.get(endpoint);
      if (timer === undefined) {
        timer = latency.labels(endpoint);
        latencyChildren.set(endpoint, timer);
      }
      timer.observe(seconds);
    },
  };
}
