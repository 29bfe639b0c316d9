import type { Logger } from 'pino';
import { CHILD_TYPES, type ChildKind, type ChildType } from './desired/children.js';
import { trimForCache } from './apply-plan.js';
import { FIELD_MANAGER, MANAGED_BY, type DesiredOptions } from './desired/labels.js';
import { errorMessage, isRetriable } from './errors.js';
import { Informer, objectKey } from './informer.js';
import type { KubeHttp } from './kube-http.js';
import { resourcePath, type KubeApi, type KubeObject } from './kube.js';
import type { OperatorMetrics } from './operator-metrics.js';
import { reconcile, type ReconcileDeps } from './reconcile.js';
import { API_VERSION, KIND, PLURAL } from './spec.js';
import { WorkQueue, runWorkers } from './work-queue.js';
import { mintApiKey } from './mint-api-key.js';
import { TerminatingNamespaces } from './terminating-namespaces.js';
import { OptionalWatches } from './optional-watches.js';

export interface ControllerOptions {
  http: KubeHttp;
  api: KubeApi;
  log: Logger;
  metrics: OperatorMetrics;
  desired: DesiredOptions;
  watchNamespace: string | null;
  workers: number;
  resyncSeconds: number;
  monitoringPollSeconds: number;
  identity: string;
  now: () => Date;
}

/**
 * Watches KeyServices and their children, and feeds a work queue that reconciles one KeyService at a time per key.
 * Events only say "look at this key again"; reconcile reads the caches, so a missed or repeated event is harmless,
 * and the periodic resync catches anything else.
 */
export class Controller {
  private readonly queue = new WorkQueue();
  private readonly keyServices: Informer;
  private readonly children = new Map<ChildKind, Informer>();
  private readonly optional: OptionalWatches;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly eventCounts = new Map<string, number>();
  private readonly terminatingNamespaces = new TerminatingNamespaces();
  private workers: Promise<void> | undefined;
  private synced = false;

  constructor(private readonly o: ControllerOptions) {
    this.keyServices = new Informer({
      http: o.http,
      path: resourcePath(API_VERSION, PLURAL, o.watchNamespace ?? undefined),
      log: o.log,
      onEvent: (type, obj) => (type === 'DELETED' ? this.queue.forget(objectKey(obj)) : this.enqueue(objectKey(obj))),
      transform: (obj) => trimForCache(obj, FIELD_MANAGER),
    });
    this.optional = new OptionalWatches({
      hasResources: (groupVersion, plurals) => o.api.hasResources(groupVersion, plurals),
      makeInformer: (type, onError) => this.childInformer(type, onError),
      pollMs: o.monitoringPollSeconds * 1000,
      syncTimeoutMs: 30_000,
      log: o.log,
      onChange: () => this.resync(),
    });
  }

  isSynced(): boolean {
    return this.synced;
  }

  private enqueue(key: string): void {
    this.queue.add(key);
    this.o.metrics.queueDepth.set(this.queue.length);
  }

  private childInformer(type: ChildType, onError?: (error: unknown) => void): Informer {
    return new Informer({
      ...(onError ? { onError } : {}),
      http: this.o.http,
      path: resourcePath(type.apiVersion, type.plural, this.o.watchNamespace ?? undefined),
      labelSelector: `app.kubernetes.io/managed-by=${MANAGED_BY}`,
      log: this.o.log,
      onEvent: (_type, obj) => this.enqueueOwner(obj),
      transform: (obj) => trimForCache(obj, FIELD_MANAGER),
    });
  }

  private enqueueOwner(child: KubeObject): void {
    const owner = (child.metadata.ownerReferences ?? []).find((ref) => ref.controller === true && ref.kind === KIND);
    if (owner) this.enqueue(`${child.metadata.namespace ?? ''}/${owner.name}`);
  }

  async start(): Promise<void> {
    await this.optional.start();
    const builtIn = CHILD_TYPES.filter((t) => t.api === null && t.kind !== 'Secret');
    for (const type of builtIn) this.children.set(type.kind, this.childInformer(type));
    for (const informer of this.children.values()) informer.start();
    await Promise.all([...this.children.values()].map((i) => i.synced));
    this.keyServices.start();
    await this.keyServices.synced;
    this.synced = true;
    this.workers = runWorkers(this.queue, this.o.workers, (key) => this.handle(key));
    this.every(this.o.resyncSeconds, () => this.resync());
    this.o.log.info({ namespace: this.o.watchNamespace ?? 'all' }, 'controller started');
  }

  private every(seconds: number, action: () => unknown): void {
    const timer = setInterval(action, seconds * 1000);
    timer.unref();
    this.timers.push(timer);
  }

  private resync(): void {
    for (const ks of this.keyServices.list()) this.enqueue(objectKey(ks));
  }

  private optionalCaches(): Partial<Record<ChildKind, Informer>> {
    return Object.fromEntries(CHILD_TYPES.flatMap(({ kind }) => (this.optional.informer(kind) ? [[kind, this.optional.informer(kind)]] : [])));
  }

  private deps(): ReconcileDeps {
    return {
      api: this.o.api,
      keyServices: this.keyServices,
      children: { ...Object.fromEntries(this.children), ...this.optionalCaches() },
      apiAvailable: (api) => this.optional.state(api).state === 'available',
      watchFailure: (watch) => {
        const state = this.optional.state(watch);
        return state.state === 'failed' ? state.message : null;
      },
      mintKey: mintApiKey,
      options: this.o.desired,
      now: this.o.now,
      log: this.o.log,
      identity: this.o.identity,
      eventCounts: this.eventCounts,
      terminatingNamespaces: this.terminatingNamespaces,
    };
  }

  private async handle(key: string): Promise<void> {
    const { metrics, log } = this.o;
    const stopTimer = metrics.reconcileDuration.startTimer();
    try {
      const requeueAfterMs = await reconcile(key, { ...this.deps(), log: log.child({ keyservice: key }) });
      this.queue.forget(key);
      if (requeueAfterMs !== undefined) this.queue.addAfter(key, requeueAfterMs);
      metrics.reconciles.inc({ result: 'success' });
    } catch (error) {
      const retriable = isRetriable(error);
      metrics.reconciles.inc({ result: retriable ? 'retry' : 'terminal' });
      metrics.reconcileErrors.inc({ kind: retriable ? 'retriable' : 'terminal' });
      if (retriable) {
        const delayMs = this.queue.addRateLimited(key);
        log.warn({ keyservice: key, err: errorMessage(error), retryInMs: delayMs }, 'reconcile failed; will retry');
      } else {
        this.queue.forget(key);
        log.warn({ keyservice: key, err: errorMessage(error) }, 'reconcile failed; waiting for the KeyService to change');
      }
    } finally {
      stopTimer();
      metrics.queueDepth.set(this.queue.length);
    }
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.queue.shutDown();
    await Promise.all([this.keyServices.stop(), this.optional.stop(), ...[...this.children.values()].map((i) => i.stop())]);
    await this.workers;
  }
}
