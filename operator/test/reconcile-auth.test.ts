import { reconcile } from '../src/reconcile.js';
import type { KeyServiceStatus } from '../src/spec.js';
import { FakeCluster } from './fake-kube.js';

const AUTH = { auth: { enabled: true, rotationInterval: '10m', overlap: '4m' } };

const condition = (cluster: FakeCluster, type: string) => {
  const c = ((cluster.keyServices.get('team-a/demo')?.status ?? {}) as KeyServiceStatus).conditions?.find((x) => x.type === type);
  return c ? `${c.status}/${c.reason}` : 'absent';
};

interface SecretObject {
  metadata: { annotations: Record<string, string> };
  data: Record<string, string>;
}
const secretOf = (cluster: FakeCluster) => cluster.children.Secret.get('team-a/demo') as unknown as SecretObject;
const decode = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString('utf8');

describe('reconcile with spec.auth', () => {
  describe('when the keys annotation of the Secret is corrupt', () => {
    it('repairs the Secret keeping the current key, says Degraded with an Event, and does not throw', async () => {
      const cluster = new FakeCluster();
      const key = cluster.addKeyService(AUTH);
      await reconcile(key, cluster.deps());
      const current = decode(secretOf(cluster).data.current);
      secretOf(cluster).metadata.annotations['keyservice.io/api-keys'] = '{oops';
      cluster.take();
      const requeue = await reconcile(key, cluster.deps());
      const after = secretOf(cluster);
      expect({
        calls: cluster.take(),
        degraded: condition(cluster, 'Degraded'),
        current: decode(after.data.current) === current,
        annotation: JSON.parse(after.metadata.annotations['keyservice.io/api-keys'] ?? 'null') as unknown,
        requeued: typeof requeue,
      }).toEqual({
        calls: ['apply Secret keyservice-operator', 'status', 'event APIKeysRepaired'],
        degraded: 'True/APIKeysRepaired',
        current: true,
        annotation: [{ name: 'recovered-current', createdAt: '2025-12-31T23:58:30Z' }],
        requeued: 'number',
      });
    });

    it('clears Degraded on the next reconcile, once the Secret is whole again', async () => {
      const cluster = new FakeCluster();
      const key = cluster.addKeyService(AUTH);
      await reconcile(key, cluster.deps());
      secretOf(cluster).metadata.annotations['keyservice.io/api-keys'] = '{oops';
      await reconcile(key, cluster.deps());
      cluster.take();
      await reconcile(key, cluster.deps());
      expect([cluster.take(), condition(cluster, 'Degraded')]).toEqual([['status', 'event AsExpected'], 'False/AsExpected']);
    });
  });

  describe('when a line was added to api-keys by hand', () => {
    it('keeps every key the pods accepted and does not make a new key current', async () => {
      const cluster = new FakeCluster();
      const key = cluster.addKeyService(AUTH);
      await reconcile(key, cluster.deps());
      const secret = secretOf(cluster);
      const current = decode(secret.data.current);
      secret.data['api-keys'] = Buffer.from(`${decode(secret.data['api-keys'])}by-hand\n`).toString('base64');
      await reconcile(key, cluster.deps());
      const after = secretOf(cluster);
      expect([decode(after.data.current), decode(after.data['api-keys']).split('\n').sort()]).toEqual([current, ['', 'by-hand', current].sort()]);
    });
  });

  describe('when the operator may not read Secrets', () => {
    it('applies the other children, leaves the Secret alone and says AuthReady=False with the reason', async () => {
      const cluster = new FakeCluster();
      const key = cluster.addKeyService(AUTH);
      const deps = cluster.deps();
      const others = Object.fromEntries(Object.entries(cluster.children).filter(([kind]) => kind !== 'Secret'));
      await reconcile(key, { ...deps, children: others, watchFailure: (w) => (w === 'secrets' ? 'forbidden by RBAC: list secrets' : null) });
      expect([cluster.take().filter((c) => c.startsWith('apply Secret')), condition(cluster, 'AuthReady')]).toEqual([[], 'False/SecretAccessMissing']);
    });
  });
});
