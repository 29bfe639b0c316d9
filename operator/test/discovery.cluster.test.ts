import { expect, jest } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  applyKeyService,
  clusterInfo,
  conditionOf,
  eventually,
  freshNamespace,
  getObject,
  installKeyServiceCrd,
  installMonitoringCrds,
  kubectl,
  startOperator,
} from './cluster-harness.js';
import { clusterEnv } from '../../test/cluster/kube-test-env.js';
import { readFileSync } from 'node:fs';

jest.setTimeout(120_000);

/**
 * A plain-HTTP front of the real API server that answers discovery of monitoring.coreos.com the way a starting
 * kube-apiserver does (503, paths not installed yet) for its first `refusals` requests, and passes all else on.
 * The only way to get that answer on demand; everything behind it is the real control plane.
 */
function startingApiServerFront(refusals: number): Promise<{ url: string; refused: () => number; close: () => void }> {
  const { dir, apiServerUrl } = { dir: clusterInfo().dir, apiServerUrl: new URL(clusterEnv().apiServerUrl) };
  const tls = { ca: readFileSync(join(dir, 'pki/ca.crt')), cert: readFileSync(join(dir, 'pki/admin.crt')), key: readFileSync(join(dir, 'pki/admin.key')) };
  let refused = 0;
  const server = http.createServer((req, res) => {
    if (refused < refusals && (req.url ?? '').startsWith('/apis/monitoring.coreos.com/')) {
      refused++;
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', status: 'Failure', code: 503, reason: 'ServiceUnavailable', message: 'the request was rejected before all known HTTP paths have been installed' }));
      return;
    }
    const upstream = https.request(
      { hostname: apiServerUrl.hostname, port: apiServerUrl.port, path: req.url, method: req.method, headers: req.headers, ...tls },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, refused: () => refused, close: () => server.close() });
    }),
  );
}

describe('discovery that fails while the API server starts', () => {
  it('is asked again until it answers; the monitoring children are created and no MonitoringCRDsMissing is reported', async () => {
    await installKeyServiceCrd();
    await installMonitoringCrds(['servicemonitors', 'prometheusrules']);
    const ns = freshNamespace('ks-disc');
    applyKeyService('keys', ns, {});
    const front = await startingApiServerFront(2);
    const kubeconfig = join(clusterInfo().dir, `front-${ns}.kubeconfig`);
    writeFileSync(kubeconfig, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'front',
      // client-node, which loads kubeconfig files, takes a plain-http server only with TLS verification off.
      clusters: [{ name: 'front', cluster: { server: front.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'front', user: {} }],
      contexts: [{ name: 'front', context: { cluster: 'front', user: 'front' } }],
    }));
    const op = await startOperator(['--watch-namespace', ns, '--monitoring-poll-seconds', '300'], 'discovery', kubeconfig);
    try {
      await eventually(() => expect([conditionOf('keys', ns, 'MonitoringReady'), getObject('servicemonitor', 'keys', ns) !== null]).toEqual(['True/MonitoringApplied', true]), 60_000);
      const missing = kubectl(['get', 'events', '-n', ns, '--field-selector', 'reason=MonitoringCRDsMissing', '-o', 'name']);
      expect([front.refused(), missing]).toEqual([2, '']);
    } finally {
      await op.stop();
      front.close();
    }
  });
});
