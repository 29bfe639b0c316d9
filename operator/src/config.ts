import { hostname } from 'node:os';
import { z } from 'zod';
import type { ImageRef } from './desired/labels.js';

export const DEFAULT_IMAGE = 'ghcr.io/keyservice/key-server:0.1.0';

export interface OperatorConfig {
  watchNamespace: string | null;
  image: ImageRef;
  metricsPort: number;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  identity: string;
  resyncSeconds: number;
  monitoringPollSeconds: number;
  workers: number;
  requestTimeoutMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export type OperatorCommand =
  | { kind: 'run'; config: OperatorConfig }
  | { kind: 'render'; file: string; image: ImageRef; rulesOnly: boolean }
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'invalid'; problems: string[] };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const integerIn = (min: number, max: number) =>
  z.string().regex(/^[0-9]+$/, `expected an integer in ${min}..${max}`).transform(Number).pipe(z.number().min(min).max(max));

/** repository:tag, where the tag is after the last colon that follows the last slash (a registry may have a port). */
export function parseImage(value: string): ImageRef | null {
  const match = /^([^\s:@]+(?::[0-9]+)?(?:\/[^\s:@]+)*):([\w][\w.-]{0,127})$/.exec(value);
  return match?.[1] && match[2] ? { repository: match[1], tag: match[2] } : null;
}

const imageSchema = z.string().transform((value, ctx) => {
  const image = parseImage(value);
  if (!image) ctx.addIssue({ code: 'custom', message: 'expected repository:tag, e.g. ghcr.io/keyservice/key-server:0.1.0' });
  return image ?? { repository: '', tag: '' };
});

const FLAGS = {
  'watch-namespace': { help: 'only reconcile KeyServices in this namespace (default: all)', schema: z.string().regex(DNS_LABEL) },
  image: { help: `key server image when a KeyService names none (default ${DEFAULT_IMAGE})`, schema: imageSchema },
  'metrics-port': { help: 'port of /metrics, /healthz and /readyz (default 8080)', schema: integerIn(1, 65535) },
  'leader-elect': { help: 'elect one active operator through a Lease (true|false, default false)', schema: z.enum(['true', 'false']) },
  'leader-election-namespace': { help: 'namespace of the Lease (default: $POD_NAMESPACE or keyservice-system)', schema: z.string().regex(DNS_LABEL) },
  'leader-election-id': { help: 'name of the Lease (default keyservice-operator)', schema: z.string().regex(DNS_LABEL) },
  identity: { help: 'this candidate\'s name in the Lease (default: host name and pid)', schema: z.string().min(1).max(128) },
  'resync-seconds': { help: 'reconcile every KeyService at least this often (default 300)', schema: integerIn(10, 86400) },
  'monitoring-poll-seconds': { help: 'how often to look for the monitoring.coreos.com CRDs (default 30)', schema: integerIn(1, 3600) },
  workers: { help: 'KeyServices reconciled at once (default 4)', schema: integerIn(1, 64) },
  'request-timeout-seconds': { help: 'give up on an API server request after this long (default 30)', schema: integerIn(1, 600) },
  'log-level': { help: 'fatal|error|warn|info|debug|trace|silent (default info)', schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) },
} as const;
type FlagName = keyof typeof FLAGS;

export function helpText(): string {
  const lines = Object.entries(FLAGS).map(([name, flag]) => `  --${name.padEnd(26)} ${flag.help}`);
  return [
    'Usage: keyservice-operator [FLAGS]            run against the cluster of $KUBECONFIG (in-cluster config in a pod)',
    '       keyservice-operator render -f FILE [--image IMAGE] [--rules]',
    '                                              print the children of the KeyServices in FILE (or their alert rules)',
    '',
    ...lines,
    `  --${'version'.padEnd(26)} print the version and exit`,
    `  --${'help'.padEnd(26)} print this help and exit`,
  ].join('\n');
}

function readFlags(argv: readonly string[], problems: string[], allowed: readonly string[]): Map<string, string> {
  const raw = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const name = match?.[1] ?? '';
    if (!match || !allowed.includes(name)) {
      problems.push(`unknown argument "${arg}"; run with --help to see the flags`);
      continue;
    }
    // A boolean flag given bare (--leader-elect) means true.
    const value = match[2] ?? (name === 'leader-elect' && !/^(true|false)$/.test(argv[i + 1] ?? '') ? 'true' : argv[++i]);
    if (value === undefined) problems.push(`--${name}: missing value`);
    else raw.set(name, value);
  }
  return raw;
}

function flagValues(raw: Map<string, string>, problems: string[]): Partial<Record<FlagName, unknown>> {
  const values: Partial<Record<FlagName, unknown>> = {};
  for (const [name, value] of raw) {
    const result = FLAGS[name as FlagName].schema.safeParse(value);
    if (result.success) values[name as FlagName] = result.data;
    else problems.push(`--${name}: ${result.error.issues.map((issue) => issue.message).join('; ')} (got "${value}")`);
  }
  return values;
}

function parseRender(argv: readonly string[]): OperatorCommand {
  const problems: string[] = [];
  const rest = argv.filter((a) => a !== '--rules');
  const fileIndex = rest.findIndex((a) => a === '-f' || a === '--file');
  const file = fileIndex >= 0 ? rest[fileIndex + 1] : undefined;
  if (file === undefined) problems.push('render: -f FILE is required');
  const flags = rest.filter((_, i) => i !== fileIndex && i !== fileIndex + 1);
  const values = flagValues(readFlags(flags, problems, ['image']), problems);
  if (problems.length > 0 || file === undefined) return { kind: 'invalid', problems };
  return { kind: 'render', file, image: (values.image as ImageRef | undefined) ?? (parseImage(DEFAULT_IMAGE) as ImageRef), rulesOnly: argv.includes('--rules') };
}

function defaults(env: Readonly<Record<string, string | undefined>>): Record<FlagName, unknown> {
  return {
    'watch-namespace': null,
    image: parseImage(DEFAULT_IMAGE),
    'metrics-port': 8080,
    'leader-elect': 'false',
    'leader-election-namespace': env.POD_NAMESPACE ?? 'keyservice-system',
    'leader-election-id': 'keyservice-operator',
    identity: `${env.HOSTNAME ?? hostname()}_${process.pid}`,
    'resync-seconds': 300,
    'monitoring-poll-seconds': 30,
    workers: 4,
    'request-timeout-seconds': 30,
    'log-level': 'info',
  };
}

/** Parses the command line once at start-up; the environment supplies only the in-pod defaults. */
export function parseOperatorCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): OperatorCommand {
  if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help', text: helpText() };
  if (argv.includes('--version')) return { kind: 'version' };
  if (argv[0] === 'render') return parseRender(argv.slice(1));
  const problems: string[] = [];
  const given = flagValues(readFlags(argv, problems, Object.keys(FLAGS)), problems);
  if (problems.length > 0) return { kind: 'invalid', problems };
  const v = { ...defaults(env), ...given };
  return {
    kind: 'run',
    config: {
      watchNamespace: v['watch-namespace'] as string | null,
      image: v.image as ImageRef,
      metricsPort: v['metrics-port'] as number,
      leaderElect: v['leader-elect'] === 'true',
      leaderElectionNamespace: v['leader-election-namespace'] as string,
      leaderElectionId: v['leader-election-id'] as string,
      identity: v.identity as string,
      resyncSeconds: v['resync-seconds'] as number,
      monitoringPollSeconds: v['monitoring-poll-seconds'] as number,
      workers: v.workers as number,
      requestTimeoutMs: (v['request-timeout-seconds'] as number) * 1000,
      logLevel: v['log-level'] as OperatorConfig['logLevel'],
    },
  };
}
