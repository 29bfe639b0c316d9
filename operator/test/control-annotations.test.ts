import { reconcile } from '../src/reconcile.js';
import type { KeyServiceStatus } from '../src/spec.js';
import { FakeCluster } from './fake-kube.js';

function annotate(cluster: FakeCluster, key: string, annotations: Record<string, string>): void {
  const ks = cluster.keyServices.get(key);
  if (ks) (ks.metadata as { annotations?: Record<string, string> }).annotations = annotations;
}

const statusOf = (cluster: FakeCluster, key: string) => (cluster.keyServices.get(key)?.status ?? {}) as KeyServiceStatus;
const paused = (cluster: FakeCluster, key: string) => {
  const c = statusOf(cluster, key).conditions?.find((x) => x.type === 'Paused');
  return c ? `${c.status}/${c.reason}` : 'absent';
};

describe('keyservice.io/paused', () => {
  describe('when a new KeyService is paused', () => {
    it('applies nothing, and says Paused=True with an Event', async () => {
      const cluster = new FakeCluster();
      const key = cluster.addKeyService({});
      annotate(cluster, key, { 'keyservice.io/paused': 'true' });
      await reconcile(key, cluster.deps());
      expect([cluster.take(), paused(cluster, key)]).toEqual([['status', 'event PausedByAnnotation'], 'True/PausedByAnnotation']);
    });
  });

  describe('when a paused KeyService changes', () => {
    it('leaves its children as they are: only the observed generation in status moves', async () => {
      const cluster = new FakeCluster();
      const key = cluster.addKeyService({});
      await reconcile(key, cluster.deps());
      annotate(cluster, key, { 'keyservice.io/paused': 'true' });
      await reconcile(key, cluster.deps());
      const before = statusOf(cluster, key);
      cluster.addKeyService({ replicas: 5 }, 2);
      annotate(cluster, key, { 'keyservice.io/paused': 'true' });
      const ks = cluster.keyServices.get(key);
      if (ks) ks.status = before;
      cluster.take();
      await reconcile(key, cluster.deps());
      expect([cluster.take(), statusOf(cluster, key).conditions?.find((c) => c.type === 'Paused')?.observedGeneration]).toEqual([['status'], 2]);
    });
  });

  describe('when the annotation goes', () => {
    it('reconciles again and says Paused=False/Resumed with an Event', async () => {
      const cluster = new FakeCluster();
      const key = cluster.addKeyService({});
      annotate(cluster, key, { 'keyservice.io/paused': 'true' });
      await reconcile(key, cluster.deps());
      annotate(cluster, key, {});
      cluster.take();
      await reconcile(key, cluster.deps());
      const calls = cluster.take();
      expect([calls.includes('apply Deployment keyservice-operator'), calls.includes('event Resumed'), paused(cluster, key)]).toEqual([true, true, 'False/Resumed']);
    });
  });
});

describe('keyservice.io/reconcile-requested-at', () => {
  it('is echoed in status.lastHandledReconcileAt once reconciled', async () => {
    const cluster = new FakeCluster();
    const key = cluster.addKeyService({});
    annotate(cluster, key, { 'keyservice.io/reconcile-requested-at': '2026-11-25T04:00:00Z' });
    await reconcile(key, cluster.deps());
    expect(statusOf(cluster, key).lastHandledReconcileAt).toBe('2026-11-25T04:00:00Z');
  });
});
