import { expect, jest } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT, clusterEnv } from '../../test/cluster/kube-test-env.js';
import { freshNamespace, getObject, kubectl } from './cluster-harness.js';

jest.setTimeout(60_000);

const MAIN = join(ROOT, 'dist/operator/src/main.js');

describe('the operator command', () => {
  it('exits 2 with one line naming the flag when the metrics port is in use', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const child = spawn(process.execPath, [MAIN, '--metrics-port', String(port)], { env: { PATH: process.env.PATH, KUBECONFIG: clusterEnv().kubeconfig } });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect([code, stderr]).toEqual([2, `--metrics-port ${port} is in use by another process; choose another port with --metrics-port\n`]);
    } finally {
      busy.close();
    }
  });

  it('renders, for spec.auth, the Secret the Deployment mounts, and the cluster accepts the whole output', () => {
    const ns = freshNamespace('ks-render');
    const input = JSON.stringify({ apiVersion: 'keyservice.io/v1alpha1', kind: 'KeyService', metadata: { name: 'keys', namespace: ns }, spec: { auth: { enabled: true } } });
    const file = join(clusterEnv().dir, `render-${ns}.json`);
    writeFileSync(file, input);
    const rendered = spawnSync(process.execPath, [MAIN, 'render', '-f', file], { encoding: 'utf8' });
    expect([rendered.status, rendered.stderr]).toEqual([0, '']);
    const docs = parseAllDocuments(rendered.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec?: unknown });
    const deployment = JSON.stringify(docs.find((d) => d.kind === 'Deployment'));
    const mounted = [...deployment.matchAll(/"secretName":"([^"]+)"/g)].map((m) => m[1]);
    // The monitoring CRDs may be absent in this cluster: the rest is what the pods need.
    const items = docs.filter((d) => d.kind !== 'ServiceMonitor' && d.kind !== 'PrometheusRule');
    kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    expect([mounted, mounted.map((name) => getObject('secret', name ?? '', ns) !== null)]).toEqual([['keys'], [true]]);
  });
});
