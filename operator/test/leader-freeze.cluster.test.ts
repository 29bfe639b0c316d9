import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterInfo, eventually, freshNamespace, getObject, kubectl, startOperator } from './cluster-harness.js';

jest.setTimeout(180_000);

interface AuditEvent {
  verb: string;
  userAgent?: string;
  requestReceivedTimestamp: string;
  objectRef?: { resource?: string; namespace?: string; name?: string };
}

/** The API server's own record of write requests (test/cluster/up.sh turns it on; AUDIT_LOG in the env file). */
function auditedWrites(userAgent: string, namespace: string): AuditEvent[] {
  const env = readFileSync(join(clusterInfo().dir, 'env'), 'utf8');
  const path = /^AUDIT_LOG=(.*)$/m.exec(env)?.[1] ?? join(clusterInfo().dir, 'logs', 'audit.log');
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.includes(userAgent))
    .map((line) => JSON.parse(line) as AuditEvent)
    .filter((e) => e.userAgent === userAgent && e.objectRef?.namespace === namespace && e.verb !== 'get');
}

const holder = (ns: string) => kubectl(['get', 'lease', 'keyservice-operator', '-n', ns, '-o', 'jsonpath={.spec.holderIdentity}']);
const keyService = (name: string, ns: string, spec: Record<string, unknown>) =>
  JSON.stringify({ apiVersion: 'keyservice.io/v1alpha1', kind: 'KeyService', metadata: { name, namespace: ns }, spec });

describe('a leader frozen with SIGSTOP', () => {
  it('is replaced once its lease expires, and makes no write when it resumes: it exits instead', async () => {
    kubectl(['apply', '--server-side', '-f', 'crds/keyservice.io_keyservices.yaml']);
    kubectl(['wait', '--for=condition=Established', 'crd/keyservices.keyservice.io', '--timeout=30s']);
    const ns = freshNamespace('ks-freeze');
    const flags = ['--watch-namespace', ns, '--leader-elect', '--leader-election-namespace', ns];
    const a = await startOperator([...flags, '--identity', 'frozen-a'], 'freeze-a');
    await eventually(() => expect(holder(ns)).toBe('frozen-a'));
    const b = await startOperator([...flags, '--identity', 'standby-b'], 'freeze-b');
    const exited = new Promise<number | null>((resolve) => a.child.once('exit', (code) => resolve(code)));
    try {
      kubectl(['apply', '-f', '-'], keyService('frozen', ns, { replicas: 1 }));
      await eventually(() => expect(getObject('deployment', 'frozen', ns) !== null).toBe(true));
      const writesBeforeFreeze = auditedWrites('keyservice-operator/frozen-a', ns).length;

      a.child.kill('SIGSTOP');
      const frozenAt = Date.now();
      await eventually(() => expect(holder(ns)).toBe('standby-b'), 60_000);
      const failoverMs = Date.now() - frozenAt;
      // Work the old leader would do on waking: its watches deliver these changes as soon as it runs again.
      kubectl(['apply', '-f', '-'], keyService('frozen', ns, { replicas: 2 }));
      kubectl(['apply', '-f', '-'], keyService('second', ns, {}));
      kubectl(['delete', 'service', 'frozen', '-n', ns]);
      await eventually(() => expect(getObject('deployment', 'second', ns) !== null).toBe(true));
      const resumedAt = new Date();
      a.child.kill('SIGCONT');
      const code = await exited;

      await eventually(() => expect(getObject('service', 'frozen', ns) !== null).toBe(true));
      const lateWrites = auditedWrites('keyservice-operator/frozen-a', ns).filter((e) => new Date(e.requestReceivedTimestamp) >= resumedAt);
      process.stdout.write(`leader freeze: failover ${failoverMs} ms after SIGSTOP\n`);
      expect({ writesBeforeFreeze: writesBeforeFreeze > 0, code, lateWrites }).toEqual({ writesBeforeFreeze: true, code: 1, lateWrites: [] });
    } finally {
      a.child.kill('SIGCONT');
      await b.stop();
      await a.stop('SIGKILL');
    }
  });
});
