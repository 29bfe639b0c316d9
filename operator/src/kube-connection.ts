import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

/** How to reach and authenticate to the API server: TLS material plus request headers (re-read per request). */
export interface KubeConnection {
  server: string;
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean };
  headers(): Promise<Record<string, string>>;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

type Env = Readonly<Record<string, string | undefined>>;
type Read = (path: string) => Buffer;

interface NamedEntry<T> {
  name: string;
  [key: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}
interface KubeconfigFile {
  'current-context'?: string;
  clusters?: NamedEntry<Record<string, string | boolean | undefined>>[];
  users?: NamedEntry<Record<string, unknown>>[];
  contexts?: NamedEntry<{ cluster?: string; user?: string }>[];
}

/** Thrown for kubeconfigs this loader leaves to @kubernetes/client-node (exec plugins, auth providers, merging). */
export class NeedsClientNode extends Error {}

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

function material(data: unknown, file: unknown, read: Read): Buffer | undefined {
  if (typeof data === 'string') return Buffer.from(data, 'base64');
  if (typeof file === 'string') return read(file);
  return undefined;
}

function selectedEntries(config: KubeconfigFile, path: string) {
  const context = config.contexts?.find((c) => c.name === config['current-context'])?.context;
  const cluster = config.clusters?.find((c) => c.name === context?.cluster)?.cluster;
  const user = config.users?.find((u) => u.name === context?.user)?.user ?? {};
  if (!cluster || typeof cluster.server !== 'string') {
    throw new Error(`${path}: the current context names no cluster with a server`);
  }
  return { cluster: cluster as Record<string, string | boolean | undefined> & { server: string }, user };
}

function bearerHeaders(user: Record<string, unknown>, read: Read): () => Promise<Record<string, string>> {
  const token = typeof user.token === 'string' ? user.token : undefined;
  const tokenFile = typeof user.tokenFile === 'string' ? user.tokenFile : undefined;
  return () => {
    const bearer = token ?? (tokenFile ? read(tokenFile).toString('utf8').trim() : undefined);
    const headers: Record<string, string> = bearer ? { authorization: `Bearer ${bearer}` } : {};
    return Promise.resolve(headers);
  };
}

function fromKubeconfig(path: string, read: Read): KubeConnection {
  const { cluster, user } = selectedEntries(parse(read(path).toString('utf8')) as KubeconfigFile, path);
  if ('exec' in user || 'auth-provider' in user || 'username' in user) throw new NeedsClientNode();
  return {
    server: cluster.server,
    tls: {
      ca: material(cluster['certificate-authority-data'], cluster['certificate-authority'], read),
      cert: material(user['client-certificate-data'], user['client-certificate'], read),
      key: material(user['client-key-data'], user['client-key'], read),
      rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
    },
    headers: bearerHeaders(user, read),
  };
}

/**
 * Finds the API server the way kubectl does for the common cases: $KUBECONFIG (one file), else ~/.kube/config,
 * else the pod's service account. Reading these few fields directly keeps the operator from loading the whole
 * generated client (about 80 MB of resident memory); anything fancier throws NeedsClientNode.
 */
export function loadConnection(env: Env, read: Read = readFileSync): KubeConnection {
  const kubeconfig = env.KUBECONFIG;
  if (kubeconfig?.includes(':')) throw new NeedsClientNode();
  if (kubeconfig) return fromKubeconfig(kubeconfig, read);
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  try {
    read(home);
    return fromKubeconfig(home, read);
  } catch (error) {
    if (error instanceof NeedsClientNode) throw error;
  }
  if (env.KUBERNETES_SERVICE_HOST) return inCluster(env, read);
  throw new Error('no cluster configured: set KUBECONFIG to a kubeconfig file, or run inside a pod with a service account');
}

/** The fallback for exec plugins and the like: @kubernetes/client-node resolves credentials, loaded only then. */
export async function loadConnectionWithClientNode(): Promise<KubeConnection> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const server = kc.getCurrentCluster()?.server;
  // loadFromDefault falls back to http://localhost:8080 when it finds nothing; say so instead of hanging there.
  if (!server || server === 'http://localhost:8080') {
    throw new Error('no cluster configured: set KUBECONFIG to a kubeconfig file, or run inside a pod with a service account');
  }
  const first: { ca?: unknown; cert?: unknown; key?: unknown; rejectUnauthorized?: boolean } = {};
  await kc.applyToHTTPSOptions(first);
  const asBuffer = (v: unknown) => (v === undefined ? undefined : Buffer.from(v as string | Buffer));
  return {
    server,
    tls: { ca: asBuffer(first.ca), cert: asBuffer(first.cert), key: asBuffer(first.key), rejectUnauthorized: first.rejectUnauthorized !== false },
    async headers() {
      const opts: { headers?: Record<string, unknown> } = {};
      await kc.applyToHTTPSOptions(opts);
      return Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k, String(v)]));
    },
  };
}
