import { configHash } from './desired/config-hash.js';
import type { KubeObject } from './kube.js';

/**
 * A digest of the whole object the operator last applied, kept on the child. The subset check below cannot see a
 * field the operator stopped applying (it is still in the live object); the digest changes with it, so a removal
 * is applied too, and the API server then drops the field the operator no longer claims.
 */
export const APPLIED_DIGEST_ANNOTATION = 'keyservice.io/applied-digest';

/** The desired object with the digest of itself in its annotations. */
export function withAppliedDigest(desired: Record<string, unknown>): Record<string, unknown> {
  const metadata = (desired.metadata ?? {}) as { annotations?: Record<string, string> };
  const annotations = { ...metadata.annotations, [APPLIED_DIGEST_ANNOTATION]: configHash(desired) };
  return { ...desired, metadata: { ...metadata, annotations } };
}

/**
 * True when applying `desired` over `live` would change nothing: the digest of what was last applied matches
 * and every applied field still holds (a hand edit shows as a difference). kind and apiVersion are left out: items
 * of a list response lack them, and the request path already fixes both.
 */
export function isUpToDate(desired: Record<string, unknown>, live: KubeObject): boolean {
  const fields = Object.entries(desired).filter(([key]) => key !== 'kind' && key !== 'apiVersion');
  return isAppliedIn(Object.fromEntries(fields), live);
}

const QUANTITY_SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The value of a Kubernetes quantity ("0.5", "500m", "1e3", "64Mi"), or NaN when it is not one. */
export function quantityValue(text: string): number {
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec(text);
  const factor = QUANTITY_SUFFIX[match?.[2] ?? 'x'];
  return match && factor !== undefined ? Number(match[1]) * factor : NaN;
}

/**
 * True when every field the operator would apply already holds that value in the live object. Server-side apply
 * of such an object would change nothing, so the reconciler skips the request: an idle operator makes no writes.
 * Fields others set (defaults, the HPA's replicas, a user's extra labels) are not the operator's business. Under
 * `resources`, the API server rewrites quantities to canonical form (0.5 becomes 500m): they compare by value.
 */
export function isAppliedIn(desired: unknown, live: unknown, quantities = false): boolean {
  if (Array.isArray(desired)) {
    return Array.isArray(live) && live.length === desired.length && desired.every((d, i) => isAppliedIn(d, live[i], quantities));
  }
  if (desired !== null && typeof desired === 'object') {
    if (live === null || typeof live !== 'object' || Array.isArray(live)) return false;
    const l = live as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(([k, v]) => isAppliedIn(v, l[k], quantities || k === 'resources'));
  }
  return isSameScalar(desired, live, quantities);
}

function isSameScalar(desired: unknown, live: unknown, quantities: boolean): boolean {
  if (desired === live) return true;
  if (!quantities || typeof desired !== 'string' || typeof live !== 'string') return false;
  const value = quantityValue(desired);
  return !Number.isNaN(value) && value === quantityValue(live);
}

/** Whether `manager` holds spec.replicas of the object through an Apply (read from managedFields). */
export function ownsReplicas(live: KubeObject, manager: string): boolean {
  return (live.metadata.managedFields ?? []).some((entry) => {
    if (entry.manager !== manager || entry.operation !== 'Apply') return false;
    const spec = entry.fieldsV1?.['f:spec'] as Record<string, unknown> | undefined;
    return spec !== undefined && 'f:replicas' in spec;
  });
}

export function isControlledBy(live: KubeObject, ownerUid: string): boolean {
  return (live.metadata.ownerReferences ?? []).some((ref) => ref.controller === true && ref.uid === ownerUid);
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * What the caches keep of an object: managedFields only as "does `manager` own spec.replicas" (all the reconciler
 * reads of them), and no kubectl last-applied annotation. Both are a large share of every object's size.
 */
export function trimForCache(obj: KubeObject, manager: string): KubeObject {
  const metadata: KubeObject['metadata'] & { annotations?: Record<string, string> } = { ...obj.metadata };
  delete metadata.managedFields;
  if (ownsReplicas(obj, manager)) {
    metadata.managedFields = [{ manager, operation: 'Apply', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }];
  }
  if (metadata.annotations && LAST_APPLIED in metadata.annotations) {
    const annotations = { ...metadata.annotations };
    delete annotations[LAST_APPLIED];
    metadata.annotations = annotations;
  }
  return { ...obj, metadata };
}
