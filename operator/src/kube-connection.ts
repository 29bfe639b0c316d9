import { existsSync, readFileSync } from 'node:fs';
import type { Agent } from 'node:http';
import type { RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** How to reach and authenticate to the API server: TLS material plus request headers (re-read per request). */
export interface KubeConnection {
  server: string;
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; servername?: string; rejectUnauthorized: boolean };
  /** The agent to send through when the kubeconfig names a proxy-url; otherwise the client builds its own. */
  agent?: Agent;
  headers(): Promise<Record<string, string>>;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

type Env = Readonly<Record<string, string | undefined>>;
type Read = (path: string) => Buffer;

const NOTHING_CONFIGURED =
  'no cluster configured: set KUBECONFIG to a kubeconfig file, run inside a pod with a service account, or write ~/.kube/config';

/**
 * The pod's service account, read directly: this keeps the operator in its pod from loading the whole generated
 * client of @kubernetes/client-node (about 80 MB of resident memory).
 */
function inCluster(env: Env, read: Read): KubeConnection {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`;
  return {
    server,
    tls: { ca: read(join(SERVICE_ACCOUNT_DIR, 'ca.crt')), rejectUnauthorized: true },
    // The projected token is rotated on disk: read it for every request (the page cache makes that cheap).
    headers: () => Promise.resolve({ authorization: `Bearer ${read(join(SERVICE_ACCOUNT_DIR, 'token')).toString('utf8').trim()}` }),
  };
}

const asBuffer = (value: unknown) => (value === undefined || value === null ? undefined : Buffer.from(value as string | Buffer));

function headersOf(opts: RequestOptions): Record<string, string> {
  const headers = Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  // client-node puts basic auth (username/password users) in `auth`, not in a header.
  if (typeof opts.auth === 'string') headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  return headers;
}

/**
 * Everything @kubernetes/client-node resolves from a kubeconfig: paths relative to the file's folder,
 * tls-server-name, proxy-url, exec plugins and auth providers (their tokens refreshed as they expire).
 */
async function fromKubeconfigFiles(files: string[]): Promise<KubeConnection> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const load = (file: string) => {
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(file);
    } catch (error) {
      throw new Error(`${file}: not a readable kubeconfig: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    return kc;
  };
  const [first = '', ...rest] = files;
  const kc = load(first);
  // As kubectl and client-node's loadFromDefault do: the first file's current-context wins.
  for (const file of rest) kc.mergeConfig(load(file), true);
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) throw new Error(`${files.join(delimiter)}: the current context names no cluster with a server`);
  const probe: RequestOptions = {};
  await kc.applyToHTTPSOptions(probe);
  const servername = (probe as { servername?: string }).servername;
  return {
    server: cluster.server,
    tls: {
      ...(probe.ca ? { ca: asBuffer(probe.ca) } : {}),
      ...(probe.cert ? { cert: asBuffer(probe.cert) } : {}),
      ...(probe.key ? { key: asBuffer(probe.key) } : {}),
      ...(servername ? { servername } : {}),
      rejectUnauthorized: probe.rejectUnauthorized !== false,
    },
    ...(cluster.proxyUrl && typeof probe.agent === 'object' ? { agent: probe.agent } : {}),
    async headers() {
      const opts: RequestOptions = {};
      await kc.applyToHTTPSOptions(opts);
      return headersOf(opts);
    },
  };
}

/**
 * Finds the API server in controller-runtime's order: $KUBECONFIG (one file or a list), else the pod's service
 * account, else ~/.kube/config. A kubeconfig that is chosen and cannot be read is an error, never skipped.
 */
export async function loadConnection(env: Env, read: Read = readFileSync): Promise<KubeConnection> {
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((path) => path !== '');
  if (listed.length > 0) {
    // kubectl skips the listed files that do not exist, and fails only when none does.
    const present = listed.filter((path) => existsSync(path));
    if (present.length === 0) throw new Error(`KUBECONFIG names no file that exists (${listed.join(delimiter)})`);
    return fromKubeconfigFiles(present);
  }
  if (env.KUBERNETES_SERVICE_HOST) return inCluster(env, read);
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return fromKubeconfigFiles([home]);
  throw new Error(NOTHING_CONFIGURED);
}
