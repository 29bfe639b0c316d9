import pino from 'pino';
import type { ChildKind } from '../src/desired/children.js';
import { KubeApiError } from '../src/errors.js';
import type { KubeApi, KubeObject } from '../src/kube.js';
import type { ReconcileDeps } from '../src/reconcile.js';
import { TerminatingNamespaces } from '../src/terminating-namespaces.js';
import { OPTIONS } from './fixtures.js';

const KIND_BY_PLURAL: Record<string, ChildKind> = {
  deployments: 'Deployment',
  services: 'Service',
  poddisruptionbudgets: 'PodDisruptionBudget',
  networkpolicies: 'NetworkPolicy',
  horizontalpodautoscalers: 'HorizontalPodAutoscaler',
  servicemonitors: 'ServiceMonitor',
  prometheusrules: 'PrometheusRule',
  alertmanagerconfigs: 'AlertmanagerConfig',
  configmaps: 'ConfigMap',
  secrets: 'Secret',
};

/**
 * An in-memory API server for the reconciler: apply stores the object where the caches read it (with the
 * managedFields an API server records), so a second reconcile sees what the first one wrote.
 */
export class FakeCluster {
  readonly calls: string[] = [];
  readonly keyServices = new Map<string, KubeObject>();
  readonly children: Record<ChildKind, Map<string, KubeObject>> = {
    Deployment: new Map(),
    Service: new Map(),
    PodDisruptionBudget: new Map(),
    NetworkPolicy: new Map(),
    HorizontalPodAutoscaler: new Map(),
    ServiceMonitor: new Map(),
    PrometheusRule: new Map(),
    AlertmanagerConfig: new Map(),
    ConfigMap: new Map(),
    Secret: new Map(),
  };
  monitoring = true;
  readonly eventCounts = new Map<string, number>();
  readonly terminatingNamespaces = new TerminatingNamespaces();
  failApplyOf: ChildKind | null = null;
  failWith: Error | null = null;
  /** Answers 422 to an apply over a live object of this kind, as the API server does when hand edits clash. */
  rejectApplyOverLive: ChildKind | null = null;
  /** Answers 422 to a dry-run create of this kind too: the desired object itself is what the API server refuses. */
  rejectDesired: ChildKind | null = null;

  readonly api: KubeApi = {
    apply: (obj, plural, manager) => {
      const kind = KIND_BY_PLURAL[plural] as ChildKind;
      this.calls.push(`apply ${kind} ${manager}`);
      if (this.failApplyOf === kind) return Promise.reject(this.failWith ?? new KubeApiError(403, 'Forbidden', `${kind} is forbidden`));
      const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
      if (this.rejectApplyOverLive === kind && this.children[kind].has(key)) {
        return Promise.reject(new KubeApiError(422, 'Invalid', 'spec.ports[1].name: Duplicate value: "http"'));
      }
      const live = this.children[kind].get(key);
      const merged = { ...live, ...obj, metadata: { ...live?.metadata, ...obj.metadata }, spec: { ...(live?.spec as object), ...(obj.spec as object) } };
      const spec = obj.spec as Record<string, unknown> | undefined;
      const others = (live?.metadata.managedFields ?? []).filter((m) => m.manager !== manager);
      merged.metadata.uid ??= `uid-${kind}-${this.calls.length}`;
      merged.metadata.managedFields = [
        ...others,
        { manager, operation: 'Apply', fieldsV1: { 'f:spec': Object.fromEntries(Object.keys(spec ?? {}).map((k) => [`f:${k}`, {}])) } },
      ];
      this.children[kind].set(key, merged);
      return Promise.resolve(merged as KubeObject);
    },
    createDryRun: (obj, plural) => {
      const kind = KIND_BY_PLURAL[plural] as ChildKind;
      this.calls.push(`dry-run create ${kind}`);
      if (this.rejectDesired === kind) return Promise.reject(new KubeApiError(422, 'Invalid', 'spec.template.spec.affinity: Invalid value'));
      const exists = this.children[kind].has(`${obj.metadata.namespace}/${obj.metadata.name}`);
      return exists ? Promise.reject(new KubeApiError(409, 'AlreadyExists', `${kind} exists`)) : Promise.resolve();
    },
    get: (_apiVersion, plural, namespace, name) => {
      const kind = KIND_BY_PLURAL[plural] as ChildKind;
      this.calls.push(`get ${kind}`);
      return Promise.resolve(this.children[kind].get(`${namespace}/${name}`) ?? null);
    },
    remove: (_apiVersion, plural, namespace, name) => {
      const kind = KIND_BY_PLURAL[plural] as ChildKind;
      this.calls.push(`delete ${kind}`);
      this.children[kind].delete(`${namespace}/${name}`);
      return Promise.resolve();
    },
    patchStatus: (_apiVersion, _plural, namespace, name, status) => {
      this.calls.push('status');
      const key = `${namespace}/${name}`;
      const ks = this.keyServices.get(key);
      if (ks) this.keyServices.set(key, { ...ks, status: JSON.parse(JSON.stringify(status)) as unknown });
      return Promise.resolve();
    },
    createEvent: (event) => {
      this.calls.push(`event ${String(event.reason)}`);
      return Promise.resolve();
    },
    patchEvent: (_namespace, _name, patch) => {
      this.calls.push(`event count ${patch.count}`);
      return Promise.resolve();
    },
    hasResources: () => Promise.resolve(this.monitoring),
  };

  addKeyService(spec: unknown, generation = 1): string {
    this.keyServices.set('team-a/demo', {
      apiVersion: 'keyservice.io/v1alpha1',
      kind: 'KeyService',
      metadata: { name: 'demo', namespace: 'team-a', uid: 'uid-1', generation },
      spec,
    });
    return 'team-a/demo';
  }

  /** What the Deployment controller and kwok would report once every pod runs. */
  markDeploymentRolledOut(key: string): void {
    const d = this.children.Deployment.get(key);
    if (!d) throw new Error('no Deployment');
    const replicas = (d.spec as { replicas?: number }).replicas ?? 1;
    d.metadata.generation = 1;
    d.status = {
      observedGeneration: 1,
      replicas,
      readyReplicas: replicas,
      updatedReplicas: replicas,
      conditions: [
        { type: 'Available', status: 'True' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      ],
    };
  }

  deps(): ReconcileDeps {
    return {
      api: this.api,
      keyServices: this.keyServices,
      children: this.children,
      apiAvailable: () => this.monitoring,
      mintKey: (now: Date) => ({ name: `key-${now.getTime()}`, value: `value-${now.getTime()}-0123456789abcdef`, createdAt: now.toISOString().replace(/\.\d+Z$/, 'Z') }),
      options: OPTIONS,
      now: () => new Date('2026-01-01T00:00:00.123Z'),
      log: pino({ level: 'silent' }),
      identity: 'test',
      eventCounts: this.eventCounts,
      terminatingNamespaces: this.terminatingNamespaces,
    };
  }

  take(): string[] {
    return this.calls.splice(0);
  }
}
