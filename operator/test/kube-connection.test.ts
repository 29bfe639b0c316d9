import { NeedsClientNode, SERVICE_ACCOUNT_DIR, loadConnection } from '../src/kube-connection.js';

const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: test
contexts:
  - name: other
    context: { cluster: other, user: other }
  - name: test
    context: { cluster: local, user: admin }
clusters:
  - name: local
    cluster:
      server: https://127.0.0.1:6443
      certificate-authority-data: ${Buffer.from('CA').toString('base64')}
users:
  - name: admin
    user:
      client-certificate: /pki/admin.crt
      client-key-data: ${Buffer.from('KEY').toString('base64')}
      token: abc
`;

function files(entries: Record<string, string>): (path: string) => Buffer {
  return (path) => {
    const content = entries[path];
    if (content === undefined) throw new Error(`ENOENT: ${path}`);
    return Buffer.from(content);
  };
}

describe('loadConnection', () => {
  describe('with KUBECONFIG naming one file', () => {
    it('takes the server, CA, client certificate and key (inline or from files) and the token of the current context', async () => {
      const connection = loadConnection({ KUBECONFIG: '/k/config' }, files({ '/k/config': KUBECONFIG, '/pki/admin.crt': 'CERT' }));
      expect([
        connection.server,
        connection.tls.ca?.toString(),
        connection.tls.cert?.toString(),
        connection.tls.key?.toString(),
        connection.tls.rejectUnauthorized,
        await connection.headers(),
      ]).toEqual(['https://127.0.0.1:6443', 'CA', 'CERT', 'KEY', true, { authorization: 'Bearer abc' }]);
    });
  });

  describe('when the user runs an exec plugin, or KUBECONFIG lists several files', () => {
    it.each([
      [{ KUBECONFIG: '/k/config' }, KUBECONFIG.replace('token: abc', 'exec: { command: aws }')],
      [{ KUBECONFIG: '/k/config:/k/other' }, KUBECONFIG],
    ])('leaves it to @kubernetes/client-node (%j)', (env, content) => {
      expect(() => loadConnection(env, files({ '/k/config': content, '/pki/admin.crt': 'CERT' }))).toThrow(NeedsClientNode);
    });
  });

  describe('inside a pod', () => {
    it('uses the service account CA and reads the rotated token on every request', async () => {
      const disk: Record<string, string> = { [`${SERVICE_ACCOUNT_DIR}/ca.crt`]: 'SA-CA', [`${SERVICE_ACCOUNT_DIR}/token`]: 't1\n' };
      const connection = loadConnection({ KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443', HOME: '/nohome' }, files(disk));
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
    it('says how to configure a cluster', () => {
      expect(() => loadConnection({ HOME: '/nohome' }, files({}))).toThrow(
        'no cluster configured: set KUBECONFIG to a kubeconfig file, or run inside a pod with a service account',
      );
    });
  });
});
