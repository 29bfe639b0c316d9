import { expect, jest } from '@jest/globals';
import { auditLogPath, auditMark, writesSince } from '../../test/cluster/audit-log.js';
import {
  applyKeyService,
  clusterInfo,
  conditionOf,
  eventually,
  freshNamespace,
  installKeyServiceCrd,
  kubectl,
  kubectlResult,
  operatorMetric,
  startOperator,
  applyDenyPolicy,
} from './cluster-harness.js';

jest.setTimeout(180_000);

/** Keeps the KeyServices labelled hold=true in `ns` from being deleted, so the namespace stays Terminating with them. */
const holdKeyServices = (ns: string) =>
  applyDenyPolicy(
    `hold-${ns}`,
    '{ apiGroups: [keyservice.io], apiVersions: ["*"], operations: [DELETE], resources: [keyservices] }',
    `oldObject.metadata.namespace != '${ns}' || !has(oldObject.metadata.labels) || !('hold' in oldObject.metadata.labels)`,
    'held by the test',
  );

describe('a namespace being deleted', () => {
  it('is left alone once a write there was refused: resyncs and child deletions cause no further write', async () => {
    await installKeyServiceCrd();
    const ns = freshNamespace('ks-term');
    const op = await startOperator(['--watch-namespace', ns, '--resync-seconds', '10'], 'terminating');
    const policy = holdKeyServices(ns);
    try {
      applyKeyService('keys', ns, {}, { labels: { hold: 'true' } });
      await eventually(() => expect(conditionOf('keys', ns, 'Ready')).toBe('True/Available'), 60_000);
      await eventually(() => expect(kubectlResult(['delete', 'keyservice', 'keys', '-n', ns, '--dry-run=server']).stderr).toContain('held by the test'));
      const log = auditLogPath(clusterInfo().dir);
      const mark = auditMark(log);
      kubectl(['delete', 'namespace', ns, '--wait=false']);
      const writes = () => writesSince(log, mark, { userAgent: 'keyservice-operator', namespace: ns });
      // The garbage of the namespace controller takes the Deployment; the operator's attempt to restore it is refused.
      await eventually(() => expect(writes().some((w) => w.endsWith(' 403'))).toBe(true), 60_000);
      const learned = auditMark(log);
      const reconciles = await operatorMetric(op, /^keyservice_operator_reconcile_total/);
      await eventually(async () => expect(await operatorMetric(op, /^keyservice_operator_reconcile_total/)).toBeGreaterThanOrEqual(reconciles + 2), 60_000);
      expect(writesSince(log, learned, { userAgent: 'keyservice-operator', namespace: ns })).toEqual([]);
    } finally {
      kubectl(['delete', 'validatingadmissionpolicybinding,validatingadmissionpolicy', policy]);
      await op.stop();
    }
  });
});
