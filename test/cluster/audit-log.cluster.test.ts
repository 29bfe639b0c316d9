import { auditEventsSince, auditLogPath, auditMark, writesSince } from './audit-log.js';
import { CLUSTER_DIR, freshNamespace, kubectl } from './kube-test-env.js';

describe('the audit log reader', () => {
  it('lists the writes made after a mark, with verb, resource, name and answer, and no reads', () => {
    const ns = freshNamespace('audit');
    const log = auditLogPath(CLUSTER_DIR);
    const mark = auditMark(log);
    kubectl(['create', 'configmap', 'one', '-n', ns]);
    kubectl(['get', 'configmap', 'one', '-n', ns]);
    kubectl(['label', 'configmap', 'one', '-n', ns, 'x=y']);
    kubectl(['delete', 'configmap', 'one', '-n', ns]);
    // By user agent: the controller-manager writes into a new namespace too (its ServiceAccount, the root CA).
    expect(writesSince(log, mark, { namespace: ns, userAgent: 'kubectl/' })).toEqual([
      `create configmaps ${ns}/one 201`,
      `patch configmaps ${ns}/one 200`,
      `delete configmaps ${ns}/one 200`,
    ]);
  });

  it('filters by user agent, and keeps nothing from before the mark', () => {
    const ns = freshNamespace('audit');
    const log = auditLogPath(CLUSTER_DIR);
    kubectl(['create', 'configmap', 'before', '-n', ns]);
    const mark = auditMark(log);
    kubectl(['create', 'configmap', 'after', '-n', ns]);
    const events = auditEventsSince(log, mark).filter((e) => e.objectRef?.namespace === ns && e.objectRef.resource === 'configmaps' && e.objectRef.name !== 'kube-root-ca.crt');
    expect([
      events.map((e) => e.objectRef?.name),
      writesSince(log, mark, { namespace: ns, userAgent: 'kubectl/' }),
      writesSince(log, mark, { namespace: ns, userAgent: 'keyservice-operator' }),
    ]).toEqual([['after'], [`create configmaps ${ns}/after 201`], []]);
  });
});
