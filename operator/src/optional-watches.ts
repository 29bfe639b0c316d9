import type { Logger } from 'pino';
import { CHILD_TYPES, OPTIONAL_APIS, type ChildKind, type ChildType, type OptionalApi } from './desired/children.js';
import { KubeApiError, errorMessage } from './errors.js';
import type { Informer } from './informer.js';

/**
 * Watches that may be missing or forbidden: the prometheus-operator kinds (their CRDs come and go) and Secrets (the
 * default install grants no Secret access; see the README's RBAC section). None of them may hold up the rest.
 */
export type OptionalWatch = OptionalApi | 'secrets';

export type WatchState = { state: 'available' } | { state: 'absent' } | { state: 'failed'; message: string };

export interface OptionalWatchesOptions {
  /** Whether the API serves the kinds (a discovery call); Secrets are always served. */
  hasResources: (groupVersion: string, plurals: string[]) => Promise<boolean>;
  /** A new informer of the kind; onError hears each failed list or watch. */
  makeInformer: (type: ChildType, onError: (error: unknown) => void) => Informer;
  pollMs: number;
  /** How long a new watch may take to list before it counts as failed and is stopped until the next poll. */
  syncTimeoutMs: number;
  log: Logger;
  /** Called after a state changes: every KeyService is looked at again. */
  onChange: () => void;
}

function typesOf(watch: OptionalWatch): ChildType[] {
  return CHILD_TYPES.filter((t) => (watch === 'secrets' ? t.kind === 'Secret' : t.api === watch));
}

const WATCHES: readonly OptionalWatch[] = ['monitoring', 'alerting', 'secrets'];

function describeFailure(error: unknown): string {
  if (error instanceof KubeApiError && error.status === 403) return `forbidden by RBAC: ${error.message}`;
  return error === undefined ? 'the list did not finish in time' : errorMessage(error);
}

/**
 * The one owner of the optional watches: polls one at a time (the next poll is scheduled when the last one ends,
 * so two never overlap), stops every informer it replaces, and reports a failing API instead of waiting on it.
 */
export class OptionalWatches {
  private readonly states = new Map<OptionalWatch, WatchState>();
  private readonly informers = new Map<ChildKind, Informer>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;
  /** Ends the sync wait of a poll in flight, so that stop() does not wait syncTimeoutMs for it. */
  private cancelWait: () => void = () => undefined;

  constructor(private readonly o: OptionalWatchesOptions) {}

  state(watch: OptionalWatch): WatchState {
    return this.states.get(watch) ?? { state: 'absent' };
  }

  informer(kind: ChildKind): Informer | undefined {
    return this.informers.get(kind);
  }

  /**
   * The first poll, bounded by syncTimeoutMs per watch; later polls run in the background. Discovery is asked again
   * until it answers first: an API server that is starting answers 503 for paths it has not installed yet, and
   * reading that as a failed API would mark every KeyService MonitoringReady=False with a Warning each.
   */
  async start(): Promise<void> {
    for (let delayMs = 500; !this.stopped && !(await this.discoveryAnswers()); delayMs = Math.min(delayMs * 2, 30_000)) {
      this.o.log.warn({ retryInMs: delayMs }, 'discovery did not answer for the prometheus-operator APIs; asking again before starting');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    this.polling = this.pollAll();
    await this.polling;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.cancelWait();
    await this.polling;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    this.informers.clear();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.pollAll().finally(() => this.schedule());
    }, this.o.pollMs);
    this.timer.unref();
  }

  private async pollAll(): Promise<void> {
    for (const watch of WATCHES) {
      if (this.stopped) return;
      const before = JSON.stringify(this.state(watch));
      await this.poll(watch);
      const after = this.state(watch);
      if (JSON.stringify(after) === before) continue;
      this.o.log.info({ watch, ...after }, 'an optional watch changed state; reconciling every KeyService');
      this.o.onChange();
    }
  }

  /** True when discovery gave a definite answer (present or absent) for every optional API. */
  private async discoveryAnswers(): Promise<boolean> {
    for (const watch of WATCHES) {
      try {
        await this.present(watch);
      } catch (error) {
        this.o.log.debug({ watch, err: errorMessage(error) }, 'discovery failed');
        return false;
      }
    }
    return true;
  }

  private async present(watch: OptionalWatch): Promise<boolean> {
    if (watch === 'secrets') return true;
    const { groupVersion, plurals } = OPTIONAL_APIS[watch];
    return this.o.hasResources(groupVersion, plurals);
  }

  private async poll(watch: OptionalWatch): Promise<void> {
    let present: boolean;
    try {
      present = await this.present(watch);
    } catch (error) {
      // Discovery failed: keep whatever runs now and say so; the next poll tries again.
      if (this.state(watch).state !== 'available') this.states.set(watch, { state: 'failed', message: errorMessage(error) });
      return;
    }
    if (!present) {
      await this.stopWatches(watch);
      this.states.set(watch, { state: 'absent' });
      return;
    }
    if (this.state(watch).state === 'available') return;
    await this.startWatches(watch);
  }

  private async stopWatches(watch: OptionalWatch): Promise<void> {
    const kinds = typesOf(watch).map((t) => t.kind);
    await Promise.all(kinds.map((kind) => this.informers.get(kind)?.stop() ?? Promise.resolve()));
    for (const kind of kinds) this.informers.delete(kind);
  }

  private async startWatches(watch: OptionalWatch): Promise<void> {
    await this.stopWatches(watch);
    // A 403 (RBAC) or 404 (the CRD went away) will not heal within this poll: give up at once and report it.
    let forbid: (error: unknown) => void = () => undefined;
    const forbidden = new Promise<unknown>((resolve) => (forbid = resolve));
    const onError = (error: unknown) => {
      if (error instanceof KubeApiError && (error.status === 403 || error.status === 404)) forbid(error);
    };
    const types = typesOf(watch);
    const started = types.map((t) => this.o.makeInformer(t, onError));
    for (const informer of started) informer.start();
    const outcome = await this.syncedWithin(started, forbidden);
    if (outcome === true) {
      types.forEach((t, i) => this.informers.set(t.kind, started[i] as Informer));
      this.states.set(watch, { state: 'available' });
      return;
    }
    await Promise.all(started.map((i) => i.stop()));
    this.states.set(watch, { state: 'failed', message: describeFailure(outcome) });
  }

  /** true once every informer has listed; else why not (the 403, or undefined after syncTimeoutMs). */
  private async syncedWithin(informers: Informer[], forbidden: Promise<unknown>): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.o.syncTimeoutMs);
      this.cancelWait = () => resolve(undefined);
    });
    const all = Promise.all(informers.map((i) => i.synced)).then(() => true as const);
    try {
      return await Promise.race([all, timeout, forbidden]);
    } finally {
      clearTimeout(timer);
    }
  }
}
