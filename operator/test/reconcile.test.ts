import { trimForCache } from '../src/apply-plan.js';
import { KubeApiError, TerminalError } from '../src/errors.js';
import { reconcile } from '../src/reconcile.js';
import type { KeyServiceStatus } from '../src/spec.js';
import { FakeCluster } from './fake-kube.js';

const conditions = (cluster: FakeCluster) =>
  ((cluster.keyServices.get('team-a/demo')?.status ?? {}) as KeyServiceStatus).conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`);

describe('reconcile', () => {
  describe('for a new KeyService', () => {
    it('applies the four default children under one field manager, then writes status once', async () => {
      const cluster = new FakeCluster();
      const key = cluster.addKeyService({});
      await reconcile(key, cluster.deps());
      // Each get: a child missing from the cache is looked up, lest an unlabelled object of that name be taken over.
      expect(cluster.take()).toEqual([
        'get Deployment',
        'apply Deployment keyservice-operator',
        'get Service',
        'apply Service keyservice-operator',
        'get ServiceMonitor',
        'apply ServiceMonitor keyservice-operator',
        'get PrometheusRule',
        'apply PrometheusRule keyservice-operator',
        'status',
      ]);
      expect(conditions(cluster)).toEqual([
        'Ready=False/PodsNotReady',
        'Progressing=True/RolloutInProgress',
        'Degraded=False/AsExpected',
        'MonitoringReady=True/MonitoringApplied',
        'AlertingReady=False/AlertingNotConfigured',
      ]);
    });
  });

  describe('when nothing changed since the last reconcile', () => {
    it('makes no write request at all', async () => {
      const cluster = new FakeCluster();
      const key = cluster.addKeyService({});
      await reconcile(key, cluster.deps());
      cluster.markDeploymentRolledOut(key);
      await reconcile(key, cluster.deps());
      cluster.take();
      await reconcile(key, cluster.deps());
      expect(cluster.take()).toEqual([]);
    });
  });

  describe('when the pods become ready', () => {
    it('writes Ready=True and records one Available event', async () => {
      const cluster = new FakeCluster();
      const key = cluster.addKeyService({});
      await reconcile(key, cluster.deps());
      cluster.markDeploymentRolledOut(key);
      cluster.take();
      await reconcile(key, cluster.deps());
      expect([cluster.take(), conditions(cluster)?.[0]]).toEqual([['status', 'event Available'], 'Ready=True/Available']);
    });
  });

  describe('when a child was edited by hand', () => {
    it('applies that child again and only that one', async () => {
      const cluster = new FakeCluster();
      const key = cluster.addKeyService({});
      await reconcile(key, cluster.deps());
      const service = cluster.children.Service.get(key);
      (service?.spec as { ports: { port: number }[] }).ports[0] = { port: 9999 };
      cluster.take();
      await reconcile(key, cluster.deps());
      expect(cluster.take()).toEqual(['apply Service keyservice-operator']);
    });
  });

  describe('when the monitoring CRDs are missing', () => {
    it('applies the rest and reports MonitoringReady=False with a warning event', async () => {
      const cluster = new FakeCluster();
      cluster.monitoring = false;
      const key = cluster.addKeyService({});
      await reconcile(key, cluster.deps());
      expect(cluster.take()).toEqual([
        'get Deployment',
        'apply Deployment keyservice-operator',
        'get Service',
        'apply Service keyservice-operator',
        'status',
        'event MonitoringCRDsMissing',
      ]);
      expect(conditions(cluster)?.[3]).toBe('MonitoringReady=False/MonitoringCRDsMissing');
    });
  });

  describe('when autoscaling is turned on', () => {
    it('hands replicas over before applying a Deployment without them, creates the HPA, and drops the budget of a one-pod floor', async () => {
      const cluster = new FakeCluster();
      const key = cluster.addKeyService({ replicas: 3, serviceMonitor: { enabled: false }, alerts: { enabled: false } });
      await reconcile(key, cluster.deps());
      cluster.addKeyService({ replicas: 3, autoscaling: { enabled: true }, serviceMonitor: { enabled: false }, alerts: { enabled: false } }, 2);
      cluster.take();
      await reconcile(key, cluster.deps());
      expect(cluster.take()).toEqual([
        'apply Deployment keyservice-operator-replicas-handoff',
        'apply Deployment keyservice-operator',
        'delete PodDisruptionBudget',
        'get HorizontalPodAutoscaler',
        'apply HorizontalPodAutoscaler keyservice-operator',
        'status',
      ]);
      expect((cluster.children.Deployment.get(key)?.spec as { replicas: number }).replicas).toBe(3);
    });

    it('applies nothing over replicas the HPA set, and only reports the new count in status', async () => {
      const cluster = new FakeCluster();
      const key = cluster.addKeyService({ autoscaling: { enabled: true } });
      await reconcile(key, cluster.deps());
      const deployment = cluster.children.Deployment.get(key);
      (deployment?.spec as { replicas: number }).replicas = 4;
      cluster.take();
      await reconcile(key, cluster.deps());
      expect([cluster.take(), (deployment?.spec as { replicas: number }).replicas]).toEqual([['status'], 4]);
    });
  });

  describe('when autoscaling is turned off', () => {
    it('deletes the HPA it created', async () => {
      const cluster = new FakeCluster();
      const key = cluster.addKeyService({ autoscaling: { enabled: true }, serviceMonitor: { enabled: false }, alerts: { enabled: false } });
      await reconcile(key, cluster.deps());
      const hpa = cluster.children.HorizontalPodAutoscaler.get(key);
      cluster.addKeyService({ serviceMonitor: { enabled: false }, alerts: { enabled: false } }, 2);
      cluster.take();
      await reconcile(key, cluster.deps());
      expect([hpa?.metadata.ownerReferences?.[0]?.uid, cluster.take()]).toEqual([
        'uid-1',
        ['apply Deployment keyservice-operator', 'delete HorizontalPodAutoscaler', 'status'],
      ]);
    });
  });

  describe('when applying a child fails', () => {
    it('still applies the children after it, sets Degraded naming the child, warns, and throws for a retry', async () => {
      const cluster = new FakeCluster();
      cluster.failApplyOf = 'Service';
      const key = cluster.addKeyService({});
      await expect(reconcile(key, cluster.deps())).rejects.toThrow('Applying the Service demo failed: Service is forbidden');
      const status = cluster.keyServices.get(key)?.status as KeyServiceStatus;
      expect(status.conditions?.[2]).toEqual({
        type: 'Degraded',
        status: 'True',
        reason: 'ApplyFailed',
        message:
          "Applying the Service demo failed: Service is forbidden. Check the operator's RBAC and the fields of the KeyService; the operator retries with backoff.",
        observedGeneration: 1,
        lastTransitionTime: '2026-01-01T00:00:00Z',
      });
      expect(cluster.take().filter((c) => c.startsWith('apply') || !c.startsWith('get'))).toEqual([
        'apply Deployment keyservice-operator',
        'apply Service keyservice-operator',
        'apply ServiceMonitor keyservice-operator',
        'apply PrometheusRule keyservice-operator',
        'status',
        'event ApplyFailed',
      ]);
    });
  });

  describe('when spec.auth is on and another child fails', () => {
    it('still applies the keys Secret and reports the current key', async () => {
      const cluster = new FakeCluster();
      cluster.failApplyOf = 'Service';
      const key = cluster.addKeyService({ auth: { enabled: true }, serviceMonitor: { enabled: false }, alerts: { enabled: false } });
      await expect(reconcile(key, cluster.deps())).rejects.toThrow('Applying the Service demo failed');
      const status = cluster.keyServices.get(key)?.status as KeyServiceStatus;
      expect([cluster.children.Secret.has(key), status.apiKeys?.currentKey]).toEqual([true, 'key-1767225600123']);
    });
  });

  describe('when an object of a child\'s name exists that the KeyService does not control', () => {
    it('leaves it untouched, applies the rest, says so in Degraded and an Event, and throws for a retry', async () => {
      const cluster = new FakeCluster();
      const userService = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'demo', namespace: 'team-a', uid: 'user' }, spec: { ports: [] } };
      cluster.children.Service.set('team-a/demo', userService);
      const key = cluster.addKeyService({});
      await expect(reconcile(key, cluster.deps())).rejects.toThrow('is not controlled by this KeyService');
      const status = cluster.keyServices.get(key)?.status as KeyServiceStatus;
      expect([cluster.take().filter((c) => !c.startsWith('get')), status.conditions?.[2]?.reason, cluster.children.Service.get('team-a/demo')]).toEqual([
        ['apply Deployment keyservice-operator', 'apply ServiceMonitor keyservice-operator', 'apply PrometheusRule keyservice-operator', 'status', 'event ChildNotOwned'],
        'ChildNotOwned',
        userService,
      ]);
    });
  });

  describe('when the API server rejects the apply over a hand-edited child as invalid', () => {
    it('deletes that incarnation of the child and applies it afresh', async () => {
      const cluster = new FakeCluster();
      const key = cluster.addKeyService({ serviceMonitor: { enabled: false }, alerts: { enabled: false } });
      await reconcile(key, cluster.deps());
      (cluster.children.Service.get(key)?.spec as { ports: { port: number }[] }).ports[0] = { port: 9999 };
      cluster.rejectApplyOverLive = 'Service';
      cluster.take();
      await reconcile(key, cluster.deps());
      expect(cluster.take()).toEqual(['apply Service keyservice-operator', 'dry-run create Service', 'delete Service', 'apply Service keyservice-operator']);
    });

    it('keeps the live child, and reports the refusal, when the desired object is what the API server refuses', async () => {
      const cluster = new FakeCluster();
      const key = cluster.addKeyService({ serviceMonitor: { enabled: false }, alerts: { enabled: false } });
      await reconcile(key, cluster.deps());
      cluster.addKeyService({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } }, serviceMonitor: { enabled: false }, alerts: { enabled: false } }, 2);
      cluster.rejectApplyOverLive = 'Deployment';
      cluster.rejectDesired = 'Deployment';
      cluster.take();
      await expect(reconcile(key, cluster.deps())).rejects.toThrow('Applying the Deployment demo failed: spec.ports[1].name: Duplicate value');
      expect([cluster.take().filter((c) => c.includes('Deployment')), cluster.children.Deployment.has(key)]).toEqual([
        ['apply Deployment keyservice-operator', 'dry-run create Deployment'],
        true,
      ]);
    });
  });

  describe('when a field is dropped from the desired state', () => {
    it('applies the child again although every remaining field still holds', async () => {
      const cluster = new FakeCluster();
      const key = cluster.addKeyService({ serviceMonitor: { labels: { release: 'prom' } }, alerts: { enabled: false } });
      await reconcile(key, cluster.deps());
      cluster.addKeyService({ alerts: { enabled: false } });
      cluster.take();
      await reconcile(key, cluster.deps());
      expect(cluster.take().filter((c) => c.startsWith('apply'))).toEqual(['apply ServiceMonitor keyservice-operator']);
    });
  });

  describe('when the namespace is being deleted', () => {
    it('gives up on the KeyService quietly (no status, no Event, no retry) and makes no request there for a while', async () => {
      const cluster = new FakeCluster();
      cluster.failApplyOf = 'Deployment';
      cluster.failWith = new KubeApiError(403, 'Forbidden', 'PATCH x: 403 deployments "demo" is forbidden: unable to create new content in namespace team-a because it is being terminated');
      const key = cluster.addKeyService({});
      await expect(reconcile(key, cluster.deps())).resolves.toBeUndefined();
      expect(cluster.take().filter((c) => !c.startsWith('apply') && !c.startsWith('get'))).toEqual([]);
      await reconcile(key, cluster.deps());
      expect(cluster.take()).toEqual([]);
    });
  });

  describe('when the same failure is recorded again', () => {
    it('raises the count of the one Event instead of adding another', async () => {
      const cluster = new FakeCluster();
      cluster.failApplyOf = 'Service';
      const key = cluster.addKeyService({ serviceMonitor: { enabled: false }, alerts: { enabled: false } });
      await expect(reconcile(key, cluster.deps())).rejects.toThrow();
      cluster.failApplyOf = null;
      await reconcile(key, cluster.deps());
      (cluster.children.Service.get(key)?.spec as { ports: { port: number }[] }).ports[0] = { port: 9999 };
      cluster.failApplyOf = 'Service';
      cluster.take();
      await expect(reconcile(key, cluster.deps())).rejects.toThrow();
      expect(cluster.take().filter((c) => c.startsWith('event'))).toEqual(['event count 2']);
    });
  });

  describe('when the spec is invalid', () => {
    it('applies nothing, says why in Degraded, and throws a terminal error', async () => {
      const cluster = new FakeCluster();
      const key = cluster.addKeyService({ maxSize: 0 });
      await expect(reconcile(key, cluster.deps())).rejects.toBeInstanceOf(TerminalError);
      const status = cluster.keyServices.get(key)?.status as KeyServiceStatus;
      expect([cluster.take(), status.conditions?.[2]?.message]).toEqual([
        ['status', 'event InvalidSpec'],
        'The spec is invalid: spec.maxSize: Too small: expected number to be >=1. Fix the KeyService; nothing is applied until then.',
      ]);
    });
  });

  describe('when the KeyService is gone or being deleted', () => {
    it('does nothing', async () => {
      const cluster = new FakeCluster();
      await reconcile('team-a/demo', cluster.deps());
      const key = cluster.addKeyService({});
      const ks = cluster.keyServices.get(key);
      if (ks) ks.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
      await reconcile(key, cluster.deps());
      expect(cluster.take()).toEqual([]);
    });
  });
});

describe('trimForCache', () => {
  it('keeps only whether the operator owns replicas, and drops the last-applied annotation', () => {
    const live = {
      metadata: {
        name: 'demo',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', keep: 'me' },
        managedFields: [
          { manager: 'keyservice-operator', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:replicas': {}, 'f:template': {} } } },
          { manager: 'kube-controller-manager', operation: 'Update', fieldsV1: { 'f:status': {} } },
        ],
      },
      spec: { replicas: 2 },
    };
    expect(trimForCache(live, 'keyservice-operator')).toEqual({
      metadata: {
        name: 'demo',
        annotations: { keep: 'me' },
        managedFields: [{ manager: 'keyservice-operator', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }],
      },
      spec: { replicas: 2 },
    });
    expect(trimForCache({ metadata: { name: 'x', managedFields: live.metadata.managedFields.slice(1) } }, 'keyservice-operator')).toEqual({
      metadata: { name: 'x' },
    });
  });
});
