import { KubeConfig } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https, { type RequestOptions } from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { SERVICE_ACCOUNT_DIR, loadConnection } from '../src/kube-connection.js';
import { createKubeHttp } from '../src/kube-http.js';

/** A TLS API server on 127.0.0.1 whose certificate names only kubernetes.internal, and a CONNECT proxy. */
interface Setup {
  dir: string;
  apiPort: number;
  proxyPort: number;
  authorizations: string[];
  tunnels: string[];
  close: () => Promise<void>;
}

async function setUp(): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'ks-kubeconfig-'));
  const pki = join(dir, 'fixtures', 'pki');
  mkdirSync(pki, { recursive: true });
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=kubernetes.internal',
    '-addext', 'subjectAltName=DNS:kubernetes.internal', '-keyout', join(pki, 'server.key'), '-out', join(pki, 'server.crt'),
  ], { stdio: 'ignore' });
  const authorizations: string[] = [];
  const api = https.createServer({ cert: readFileSync(join(pki, 'server.crt')), key: readFileSync(join(pki, 'server.key')) }, (req, res) => {
    authorizations.push(req.headers.authorization ?? '');
    res.end('{"gitVersion":"v1.0.0"}');
  });
  const tunnels: string[] = [];
  // Tunnelled sockets leave the HTTP server's bookkeeping, so close() would wait on them: they are ended here.
  const tunnelSockets: net.Socket[] = [];
  const proxy = http.createServer();
  proxy.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    tunnelSockets.push(socket);
    const [host = '', port = ''] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  const listen = (server: net.Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  const [apiPort, proxyPort] = [await listen(api), await listen(proxy)];
  const close = async () => {
    api.closeAllConnections();
    proxy.closeAllConnections();
    for (const socket of tunnelSockets) socket.destroy();
    await Promise.all([new Promise((r) => api.close(r)), new Promise((r) => proxy.close(r))]);
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, apiPort, proxyPort, authorizations, tunnels, close };
}

const EXEC_CREDENTIAL = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-exec' } });

/** Kubeconfigs as people write them, each in its own folder under fixtures/ (so that relative paths mean something). */
function fixtures(s: Setup): Record<string, { cluster: Record<string, unknown>; user: Record<string, unknown> }> {
  const server = `https://127.0.0.1:${s.apiPort}`;
  const tls = { server, 'certificate-authority': '../pki/server.crt', 'tls-server-name': 'kubernetes.internal' };
  return {
    'relative-paths': { cluster: tls, user: { 'client-certificate': '../pki/server.crt', 'client-key': '../pki/server.key', token: 'abc' } },
    'proxy-url': { cluster: { ...tls, 'proxy-url': `http://127.0.0.1:${s.proxyPort}` }, user: { token: 'via-proxy' } },
    exec: {
      cluster: tls,
      user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: ['-e', `process.stdout.write(${JSON.stringify(EXEC_CREDENTIAL)})`], interactiveMode: 'Never' } },
    },
    'basic-auth': { cluster: tls, user: { username: 'ada', password: 'secret' } },
    insecure: { cluster: { server, 'insecure-skip-tls-verify': true }, user: { token: 'insecure' } },
  };
}

function writeKubeconfig(path: string, entry: { cluster: Record<string, unknown>; user: Record<string, unknown> }, name = 'test'): string {
  mkdirSync(dirname(path), { recursive: true });
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': name,
    contexts: [{ name, context: { cluster: name, user: name } }],
    clusters: [{ name, cluster: entry.cluster }],
    users: [{ name, user: entry.user }],
  };
  writeFileSync(path, stringify(config));
  return path;
}

/** What @kubernetes/client-node itself makes of a kubeconfig file. */
async function clientNodeView(file: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  const opts: RequestOptions & { servername?: string } = {};
  await kc.applyToHTTPSOptions(opts);
  const headers = Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  if (typeof opts.auth === 'string') headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  const buffer = (v: unknown) => (v ? Buffer.from(v as Buffer).toString() : undefined);
  return { server: kc.getCurrentCluster()?.server, ca: buffer(opts.ca), cert: buffer(opts.cert), key: buffer(opts.key), servername: opts.servername, rejectUnauthorized: opts.rejectUnauthorized !== false, headers };
}

describe('loadConnection', () => {
  let s: Setup;
  beforeAll(async () => (s = await setUp()));
  afterAll(() => s.close());
  const file = (name: string) => writeKubeconfig(join(s.dir, 'fixtures', name, 'config'), fixtures(s)[name] ?? { cluster: {}, user: {} });

  describe.each(['relative-paths', 'proxy-url', 'exec', 'basic-auth', 'insecure'])('with the kubeconfig fixture %s', (name) => {
    it('resolves the same server, TLS material and credentials as @kubernetes/client-node', async () => {
      const connection = await loadConnection({ KUBECONFIG: file(name) });
      const buffer = (v: Buffer | undefined) => v?.toString();
      const ours = { server: connection.server, ca: buffer(connection.tls.ca), cert: buffer(connection.tls.cert), key: buffer(connection.tls.key), servername: connection.tls.servername, rejectUnauthorized: connection.tls.rejectUnauthorized, headers: await connection.headers() };
      expect(ours).toEqual(await clientNodeView(file(name)));
    });

    it('reaches the API server with it', async () => {
      const before = s.authorizations.length;
      const kube = createKubeHttp(await loadConnection({ KUBECONFIG: file(name) }));
      expect(await kube.request({ method: 'GET', path: '/version' })).toEqual({ gitVersion: 'v1.0.0' });
      expect(s.authorizations.length).toBe(before + 1);
    });
  });

  describe('when the kubeconfig names certificate files by relative paths', () => {
    it('reads them beside the kubeconfig, not in the working directory', async () => {
      const connection = await loadConnection({ KUBECONFIG: file('relative-paths') });
      expect(connection.tls.ca?.toString()).toBe(readFileSync(join(s.dir, 'fixtures', 'pki', 'server.crt'), 'utf8'));
    });
  });

  describe('when the kubeconfig sets tls-server-name', () => {
    it('verifies the server certificate against that name (127.0.0.1 is not in it)', async () => {
      const connection = await loadConnection({ KUBECONFIG: file('relative-paths') });
      expect(connection.tls.servername).toBe('kubernetes.internal');
    });
  });

  describe('when the kubeconfig sets proxy-url', () => {
    it('tunnels every request through the proxy', async () => {
      const before = s.tunnels.length;
      const kube = createKubeHttp(await loadConnection({ KUBECONFIG: file('proxy-url') }));
      await kube.request({ method: 'GET', path: '/version' });
      expect([s.tunnels.length - before, s.tunnels.at(-1), s.authorizations.at(-1)]).toEqual([1, `127.0.0.1:${s.apiPort}`, 'Bearer via-proxy']);
    });
  });

  describe('when the user runs an exec plugin', () => {
    it('sends the token the plugin prints', async () => {
      const connection = await loadConnection({ KUBECONFIG: file('exec') });
      expect(await connection.headers()).toEqual({ authorization: 'Bearer from-exec' });
    });
  });

  describe('when KUBECONFIG lists several files', () => {
    it('merges them, the first file choosing the context, and skips a listed file that does not exist', async () => {
      const first = file('insecure');
      const second = writeKubeconfig(join(s.dir, 'fixtures', 'second', 'config'), fixtures(s)['relative-paths'] ?? { cluster: {}, user: {} }, 'other');
      const connection = await loadConnection({ KUBECONFIG: [join(s.dir, 'missing'), first, second].join(':') });
      expect(await connection.headers()).toEqual({ authorization: 'Bearer insecure' });
    });
  });

  describe('when ~/.kube/config is malformed', () => {
    it('fails naming the file instead of skipping it', async () => {
      const home = join(s.dir, 'home-malformed');
      mkdirSync(join(home, '.kube'), { recursive: true });
      writeFileSync(join(home, '.kube', 'config'), 'clusters: [\n  - name: x\n    cluster: {server: ');
      await expect(loadConnection({ HOME: home })).rejects.toThrow(`${join(home, '.kube', 'config')}: not a readable kubeconfig`);
    });
  });

  describe('inside a pod', () => {
    // The service account's files as the pod sees them; any other path is read from the real disk.
    const podFiles = (disk: Record<string, string>) => (path: string) => {
      const content = disk[path];
      return content === undefined ? readFileSync(path) : Buffer.from(content);
    };

    it('uses the service account even when ~/.kube/config exists, as controller-runtime does', async () => {
      const home = join(s.dir, 'home-pod');
      writeKubeconfig(join(home, '.kube', 'config'), fixtures(s).insecure ?? { cluster: {}, user: {} });
      const disk = { [`${SERVICE_ACCOUNT_DIR}/ca.crt`]: 'SA-CA', [`${SERVICE_ACCOUNT_DIR}/token`]: 't1\n' };
      const connection = await loadConnection({ KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443', HOME: home }, podFiles(disk));
      expect(connection.server).toBe('https://10.0.0.1:443');
    });

    it('uses the service account CA and reads the rotated token on every request', async () => {
      const disk: Record<string, string> = { [`${SERVICE_ACCOUNT_DIR}/ca.crt`]: 'SA-CA', [`${SERVICE_ACCOUNT_DIR}/token`]: 't1\n' };
      const connection = await loadConnection({ KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443', HOME: '/nohome' }, podFiles(disk));
      const first = await connection.headers();
      disk[`${SERVICE_ACCOUNT_DIR}/token`] = 't2';
      expect([connection.server, connection.tls.ca?.toString(), first, await connection.headers()]).toEqual([
        'https://10.0.0.1:443',
        'SA-CA',
        { authorization: 'Bearer t1' },
        { authorization: 'Bearer t2' },
      ]);
    });
  });

  describe('with nothing configured', () => {
    it('says how to configure a cluster', async () => {
      await expect(loadConnection({ HOME: '/nohome' })).rejects.toThrow(
        'no cluster configured: set KUBECONFIG to a kubeconfig file, run inside a pod with a service account, or write ~/.kube/config',
      );
    });
  });
});
