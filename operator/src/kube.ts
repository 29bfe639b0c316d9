import { KubeApiError } from './errors.js';
import type { KubeHttp } from './kube-http.js';

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  fieldsV1?: Record<string, unknown>;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
    managedFields?: ManagedFieldsEntry[];
    deletionTimestamp?: string;
  };
  [field: string]: unknown;
}

export interface ObjectList {
  metadata: { resourceVersion: string; continue?: string };
  items: KubeObject[];
}

/** /api/v1 for the core group, /apis/<group>/<version> otherwise; namespaced when a namespace is given. */
export function resourcePath(apiVersion: string, plural: string, namespace?: string, name?: string): string {
  const root = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${ns}/${plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

/** The writes and reads the reconciler makes; a test passes a fake of this. */
export interface KubeApi {
  apply(obj: KubeObject, plural: string, fieldManager: string): Promise<KubeObject>;
  /** A dry-run create (nothing is stored): throws 422 when the object is invalid, 409 when it is valid but exists. */
  createDryRun(obj: KubeObject, plural: string, fieldManager: string): Promise<void>;
  /** The object as the API server holds it now, or null when there is none. */
  get(apiVersion: string, plural: string, namespace: string, name: string): Promise<KubeObject | null>;
  /** Deletes the object; with `uid`, only that incarnation of it (a precondition the API server checks). */
  remove(apiVersion: string, plural: string, namespace: string, name: string, uid?: string): Promise<void>;
  patchStatus(apiVersion: string, plural: string, namespace: string, name: string, status: unknown): Promise<void>;
  createEvent(event: KubeObject): Promise<void>;
  /** Raises count and lastTimestamp (and the message) of an Event that exists. */
  patchEvent(namespace: string, name: string, patch: { count: number; lastTimestamp: string; message: string }): Promise<void>;
  hasResources(groupVersion: string, plurals: string[]): Promise<boolean>;
}

export function createKubeApi(http: KubeHttp): KubeApi {
  return {
    apply(obj, plural, fieldManager) {
      return http.request<KubeObject>({
        method: 'PATCH',
        path: resourcePath(obj.apiVersion ?? '', plural, obj.metadata.namespace, obj.metadata.name),
        // force: the operator is the one authority over these fields; a conflicting manager is overruled.
        query: { fieldManager, force: 'true' },
        contentType: 'application/apply-patch+yaml',
        body: obj,
      });
    },

    async createDryRun(obj, plural, fieldManager) {
      await http.request({
        method: 'POST',
        path: resourcePath(obj.apiVersion ?? '', plural, obj.metadata.namespace),
        query: { fieldManager, dryRun: 'All' },
        body: obj,
      });
    },

    async get(apiVersion, plural, namespace, name) {
      try {
        return await http.request<KubeObject>({ method: 'GET', path: resourcePath(apiVersion, plural, namespace, name) });
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404) return null;
        throw error;
      }
    },

    async remove(apiVersion, plural, namespace, name, uid) {
      const body = { propagationPolicy: 'Background', ...(uid === undefined ? {} : { preconditions: { uid } }) };
      try {
        await http.request({ method: 'DELETE', path: resourcePath(apiVersion, plural, namespace, name), body });
      } catch (error) {
        if (!(error instanceof KubeApiError && error.status === 404)) throw error;
      }
    },

    async patchStatus(apiVersion, plural, namespace, name, status) {
      await http.request({
        method: 'PATCH',
        path: `${resourcePath(apiVersion, plural, namespace, name)}/status`,
        contentType: 'application/merge-patch+json',
        body: { status },
      });
    },

    async createEvent(event) {
      await http.request({ method: 'POST', path: resourcePath('v1', 'events', event.metadata.namespace), body: event });
    },

    async patchEvent(namespace, name, patch) {
      await http.request({
        method: 'PATCH',
        path: resourcePath('v1', 'events', namespace, name),
        contentType: 'application/merge-patch+json',
        body: patch,
      });
    },

    async hasResources(groupVersion, plurals) {
      try {
        const list = await http.request<{ resources?: { name: string }[] }>({ method: 'GET', path: `/apis/${groupVersion}` });
        const names = new Set((list.resources ?? []).map((r) => r.name));
        return plurals.every((p) => names.has(p));
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404) return false;
        throw error;
      }
    },
  };
}
