import type { Logger } from 'pino';
import { KubeApiError, errorMessage } from './errors.js';
import type { KubeHttp } from './kube-http.js';
import type { KubeObject, ObjectList } from './kube.js';

export type InformerEvent = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface InformerOptions {
  http: KubeHttp;
  /** Collection path, e.g. /apis/apps/v1/deployments or /apis/apps/v1/namespaces/x/deployments. */
  path: string;
  labelSelector?: string;
  log: Logger;
  onEvent: (type: InformerEvent, obj: KubeObject) => void;
  /** Trims each object before it is cached (client-go's SetTransform): what is dropped costs no memory. */
  transform?: (obj: KubeObject) => KubeObject;
  /** Hears each failed list or watch (a 403 tells an optional watch to give up). */
  onError?: (error: unknown) => void;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  watchTimeoutSeconds?: number;
  random?: () => number;
}

export function objectKey(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

class GoneError extends Error {}

interface WatchLine {
  type: InformerEvent | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number; message?: string };
}

/**
 * A list-then-watch cache of one collection. It resumes the watch from the last resourceVersion after any
 * disconnect, with a jittered exponential backoff (1 s to 30 s by default) when the API server cannot be reached,
 * and lists afresh when the API server answers 410 Gone (the resourceVersion is too old).
 */
export class Informer {
  private readonly store = new Map<string, KubeObject>();
  private resourceVersion: string | undefined;
  private readonly abort = new AbortController();
  private syncedResolve: () => void = () => undefined;
  readonly synced: Promise<void> = new Promise((resolve) => (this.syncedResolve = resolve));
  private running: Promise<void> | undefined;

  constructor(private readonly options: InformerOptions) {}

  get(key: string): KubeObject | undefined {
    return this.store.get(key);
  }

  list(): KubeObject[] {
    return [...this.store.values()];
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const { backoffInitialMs = 1000, backoffMaxMs = 30_000, random = Math.random, log } = this.options;
    let failures = 0;
    while (!this.abort.signal.aborted) {
      try {
        if (this.resourceVersion === undefined) await this.relist();
        await this.watch();
        failures = 0;
      } catch (error) {
        if (this.abort.signal.aborted) break;
        this.options.onError?.(error);
        if (error instanceof GoneError) {
          log.info({ path: this.options.path }, 'watch expired (410 Gone); listing again');
          this.resourceVersion = undefined;
          continue;
        }
        const delay = Math.min(backoffMaxMs, backoffInitialMs * 2 ** failures) * (0.5 + random() / 2);
        failures++;
        log.warn({ path: this.options.path, err: errorMessage(error), retryInMs: Math.round(delay) }, 'watch failed; retrying');
        await this.sleep(delay);
      }
    }
  }

  /** A backoff sleep that stop() cuts short; its abort listener goes with it, so retries do not pile them up. */
  private sleep(ms: number): Promise<void> {
    const signal = this.abort.signal;
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  private trim(obj: KubeObject): KubeObject {
    return this.options.transform ? this.options.transform(obj) : obj;
  }

  private query(extra: Record<string, string>): Record<string, string> {
    const selector = this.options.labelSelector;
    return { ...(selector ? { labelSelector: selector } : {}), ...extra };
  }

  private async relist(): Promise<void> {
    const fresh = new Map<string, KubeObject>();
    let page: ObjectList | undefined;
    do {
      const cont: Record<string, string> = page?.metadata.continue ? { continue: page.metadata.continue } : {};
      page = await this.options.http.request<ObjectList>({
        method: 'GET',
        path: this.options.path,
        query: this.query({ limit: '500', ...cont }),
        signal: this.abort.signal,
      });
      for (const item of page.items) fresh.set(objectKey(item), this.trim(item));
    } while (page.metadata.continue);
    for (const [key, old] of this.store) {
      if (!fresh.has(key)) {
        this.store.delete(key);
        this.options.onEvent('DELETED', old);
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.store.get(key);
      this.store.set(key, obj);
      if (old?.metadata.resourceVersion !== obj.metadata.resourceVersion) this.options.onEvent(old ? 'MODIFIED' : 'ADDED', obj);
    }
    this.resourceVersion = page.metadata.resourceVersion;
    this.syncedResolve();
  }

  private async watch(): Promise<void> {
    const query = this.query({
      watch: 'true',
      allowWatchBookmarks: 'true',
      resourceVersion: this.resourceVersion ?? '',
      timeoutSeconds: String(this.options.watchTimeoutSeconds ?? 300),
    });
    try {
      await this.options.http.stream({ method: 'GET', path: this.options.path, query, signal: this.abort.signal }, (line) =>
        this.handle(JSON.parse(line) as WatchLine),
      );
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 410) throw new GoneError();
      throw error;
    }
  }

  private handle(line: WatchLine): void {
    if (line.type === 'ERROR') {
      if (line.object.code === 410) throw new GoneError();
      throw new KubeApiError(line.object.code ?? 500, 'WatchError', line.object.message ?? 'watch error');
    }
    this.resourceVersion = line.object.metadata.resourceVersion ?? this.resourceVersion;
    if (line.type === 'BOOKMARK') return;
    const obj = this.trim(line.object);
    const key = objectKey(obj);
    if (line.type === 'DELETED') this.store.delete(key);
    else this.store.set(key, obj);
    this.options.onEvent(line.type, obj);
  }
}
