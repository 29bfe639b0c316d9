import { isIP } from 'node:net';
import { z } from 'zod';
import { parseTrustedProxies } from './client-address.js';
import { ENCODINGS, type Encoding } from './keys.js';

export const MAX_KEY_SIZE_LIMIT = 1_048_576;

export interface ServerConfig {
  host: string;
  srvPort: number;
  maxSize: number;
  metricsPort: number;
  encoding: Encoding;
  logLevel: LogLevel;
  shutdownDelaySeconds: number;
  shutdownTimeoutSeconds: number;
  faultRate: number;
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  apiKeysFile: string | undefined;
  rateLimit: number;
  reloadIntervalSeconds: number;
  maxConnections: number;
  writeTimeoutSeconds: number;
  idleTimeoutSeconds: number;
  maxQueuedBytes: number;
  authFailureLimit: number;
  trustedProxies: string | undefined;
}

export type LogLevel = (typeof LOG_LEVELS)[number];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export type CommandLine =
  | { kind: 'run'; config: ServerConfig }
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'invalid'; problems: string[] };

interface FlagSpec {
  key: keyof ServerConfig;
  allowed: string;
  help: string;
  schema: z.ZodType;
  /** Undefined for a feature that is off unless the flag is given. */
  defaultValue: string | undefined;
}

const integerIn = (min: number, max: number) =>
  z.string().regex(/^[0-9]+$/).transform(Number).pipe(z.number().min(min).max(max));

/** A path given on purpose: an empty or blank value is refused rather than read as "feature off" (fail closed). */
const path = z.string().refine((value) => value.trim() !== '');

const HOSTNAME = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
/** A name whose last label is all digits (`999.1.1.1`) is a mistyped address, never a host name (RFC 3696 §2). */
const NUMERIC_LAST_LABEL = /(^|\.)[0-9]+$/;
const hostSchema = z
  .string()
  .refine((value) => isIP(value) !== 0 || (HOSTNAME.test(value) && !NUMERIC_LAST_LABEL.test(value)));
const trustedProxiesSchema = z.string().refine((value) => parseTrustedProxies(value) !== undefined);

const FLAGS: Record<string, FlagSpec> = {
  host: {
    key: 'host',
    allowed: 'an IPv4 or IPv6 address or a host name',
    help: 'address the key API listens on',
    schema: hostSchema,
    defaultValue: '0.0.0.0',
  },
  'srv-port': {
    key: 'srvPort',
    allowed: 'an integer in 1..65535',
    help: 'port of the key API',
    schema: integerIn(1, 65535),
    defaultValue: '1123',
  },
  'max-size': {
    key: 'maxSize',
    allowed: `an integer in 1..${MAX_KEY_SIZE_LIMIT}`,
    help: 'largest key, in bytes, that GET /key/<length> hands out',
    schema: integerIn(1, MAX_KEY_SIZE_LIMIT),
    defaultValue: '1024',
  },
  'metrics-port': {
    key: 'metricsPort',
    allowed: 'an integer in 1..65535, other than --srv-port',
    help: 'port of the Prometheus metrics endpoint (GET /metrics)',
    schema: integerIn(1, 65535),
    defaultValue: '8000',
  },
  encoding: {
    key: 'encoding',
    allowed: ENCODINGS.join(' | '),
    help: 'encoding of keys when the request names none',
    schema: z.enum(ENCODINGS),
    defaultValue: 'hex',
  },
  'log-level': {
    key: 'logLevel',
    allowed: LOG_LEVELS.join(' | '),
    help: 'least severe level of the JSON log lines written to stdout',
    schema: z.enum(LOG_LEVELS),
    defaultValue: 'info',
  },
  'shutdown-delay': {
    key: 'shutdownDelaySeconds',
    allowed: 'an integer in 0..300 (seconds)',
    help: 'after SIGTERM, seconds to answer /ready with 503 before the listener closes (lets load balancers drain)',
    schema: integerIn(0, 300),
    defaultValue: '0',
  },
  'shutdown-timeout': {
    key: 'shutdownTimeoutSeconds',
    allowed: 'an integer in 1..300 (seconds)',
    help: 'after the listener closes, seconds in-flight requests get before connections are cut',
    schema: integerIn(1, 300),
    defaultValue: '10',
  },
  'fault-rate': {
    key: 'faultRate',
    allowed: 'a decimal number in 0..1',
    help: 'for alerting drills only: the share of key requests answered 500 on purpose',
    schema: z.string().regex(/^(0|1|0?\.[0-9]+|1\.0+)$/).transform(Number),
    defaultValue: '0',
  },
  'tls-cert-file': {
    key: 'tlsCertFile',
    allowed: 'a path to a PEM certificate (chain); with --tls-key-file',
    help: 'serve the key API over HTTPS with this certificate, re-read when it changes',
    schema: path,
    defaultValue: undefined,
  },
  'tls-key-file': {
    key: 'tlsKeyFile',
    allowed: 'a path to the PEM private key of --tls-cert-file',
    help: 'private key for --tls-cert-file, re-read when it changes',
    schema: path,
    defaultValue: undefined,
  },
  'api-keys-file': {
    key: 'apiKeysFile',
    allowed: 'a path to a file of API keys, one per line',
    help: 'require an API key (Authorization: Bearer or X-API-Key) on /key; the file is re-read when it changes',
    schema: path,
    defaultValue: undefined,
  },
  'rate-limit': {
    key: 'rateLimit',
    allowed: 'an integer in 0..1000000 (requests per second; 0 turns it off)',
    help: 'per client (API key, else address) limit on key requests; over it, 429 with Retry-After',
    schema: integerIn(0, 1_000_000),
    defaultValue: '0',
  },
  'reload-interval': {
    key: 'reloadIntervalSeconds',
    allowed: 'an integer in 1..3600 (seconds)',
    help: 'how often the TLS and API key files are read and compared (by SHA-256) with what is loaded; SIGHUP reloads at once',
    schema: integerIn(1, 3600),
    defaultValue: '10',
  },
  'max-connections': {
    key: 'maxConnections',
    allowed: 'an integer in 1..1000000',
    help: 'most open connections on the key API; more are closed at once (lowered to fit the open-files limit)',
    schema: integerIn(1, 1_000_000),
    defaultValue: '1000',
  },
  'write-timeout': {
    key: 'writeTimeoutSeconds',
    allowed: 'an integer in 1..3600 (seconds)',
    help: 'an answer not written to its end by then (a client that does not read) has its connection closed',
    schema: integerIn(1, 3600),
    defaultValue: '30',
  },
  'idle-timeout': {
    key: 'idleTimeoutSeconds',
    allowed: 'an integer in 1..3600 (seconds)',
    help: 'how long a connection may sit idle between requests, or take to send a request\'s headers',
    schema: integerIn(1, 3600),
    defaultValue: '10',
  },
  'max-queued-bytes': {
    key: 'maxQueuedBytes',
    allowed: 'an integer in 1048576..4294967296 (bytes)',
    help: 'most bytes of key answers waiting for clients to read them, over all connections; beyond it 503 overloaded',
    schema: integerIn(1_048_576, 4_294_967_296),
    defaultValue: '33554432',
  },
  'auth-failure-limit': {
    key: 'authFailureLimit',
    allowed: 'an integer in 1..1000000 (failed attempts per minute)',
    help: 'with --api-keys-file: wrong keys one client address may send per minute before it gets 429',
    schema: integerIn(1, 1_000_000),
    defaultValue: '10',
  },
  'trusted-proxies': {
    key: 'trustedProxies',
    allowed: 'comma-separated IP addresses or CIDR ranges',
    help: 'peers whose X-Forwarded-For names the client for rate limiting; off: the peer address is the client',
    schema: trustedProxiesSchema,
    defaultValue: undefined,
  },
};

/** Reads flags (`--name value` or `--name=value`); reports every problem, each on one line naming the flag. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help', text: helpText() };
  if (argv.includes('--version')) return { kind: 'version' };
  const { values, problems } = readFlags(argv);
  const config: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(FLAGS)) {
    const value = values.get(name) ?? spec.defaultValue;
    if (value === undefined) continue;
    const result = spec.schema.safeParse(value);
    if (result.success) config[spec.key] = result.data;
    else problems.push(`--${name}: invalid value ${JSON.stringify(value)}; expected ${spec.allowed}`);
  }
  problems.push(...crossFlagProblems(config));
  if (problems.length > 0) return { kind: 'invalid', problems };
  return { kind: 'run', config: config as unknown as ServerConfig };
}

function crossFlagProblems(config: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (config.srvPort !== undefined && config.srvPort === config.metricsPort) {
    problems.push(`--metrics-port: invalid value "${String(config.metricsPort)}"; expected ${FLAGS['metrics-port']?.allowed}`);
  }
  if ((config.tlsCertFile === undefined) !== (config.tlsKeyFile === undefined)) {
    problems.push('--tls-cert-file and --tls-key-file: give both or neither');
  }
  return problems;
}

/** Splits argv into raw flag values, without judging the values yet. */
function readFlags(argv: readonly string[]): { values: Map<string, string>; problems: string[] } {
  const values = new Map<string, string>();
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const spec = match?.[1] === undefined ? undefined : FLAGS[match[1]];
    if (match === null || spec === undefined) {
      problems.push(`unknown argument "${arg}"; run with --help to see the flags`);
      continue;
    }
    const name = match[1] ?? '';
    const value = match[2] ?? argv[++i];
    if (value === undefined) problems.push(`--${name}: missing value; expected ${spec.allowed}`);
    else if (values.has(name)) problems.push(`--${name}: given more than once`);
    else values.set(name, value);
  }
  return { values, problems };
}

function helpText(): string {
  const lines = Object.entries(FLAGS).map(
    ([name, spec]) =>
      `  --${name.padEnd(18)} ${spec.help}\n  ${' '.repeat(20)} ${spec.allowed}; default ${spec.defaultValue ?? 'off'}`,
  );
  return [
    'Usage: key-server [flags]',
    '',
    'Serves cryptographically secure random keys: GET /key/<length> answers <length> random bytes.',
    '',
    'Flags:',
    ...lines,
    '  --help               print this help and exit',
    '  --version            print the version and exit',
    '',
  ].join('\n');
}
