import { isControlledBy, isUpToDate, ownsReplicas, withAppliedDigest } from './apply-plan.js';
import type { DesiredChild } from './desired/children.js';
import { FIELD_MANAGER } from './desired/labels.js';
import { ChildNotOwnedError, KubeApiError } from './errors.js';
import type { KubeApi, KubeObject } from './kube.js';
import type { KeyService } from './spec.js';

/** Hands spec.replicas to a manager that never applies again, so dropping it from our apply keeps its value. */
export const REPLICAS_HANDOFF_MANAGER = 'keyservice-operator-replicas-handoff';

export interface ChildApplyDeps {
  api: KubeApi;
  /** The cached child of this kind and key, if the cache holds one (only objects labelled managed-by are cached). */
  cached: KubeObject | undefined;
}

/** True when the Deployment's replicas must first pass to the handoff manager (autoscaling just turned on). */
function needsReplicasHandoff(child: DesiredChild, ks: KeyService, live: KubeObject | undefined): live is KubeObject {
  return child.type.kind === 'Deployment' && ks.spec.autoscaling.enabled && live !== undefined && ownsReplicas(live, FIELD_MANAGER);
}

async function handOffReplicas(ks: KeyService, live: KubeObject, api: KubeApi): Promise<void> {
  const replicas = (live.spec as { replicas?: number } | undefined)?.replicas ?? 1;
  const { name, namespace } = ks.metadata;
  const partial = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { replicas } };
  await api.apply(partial, 'deployments', REPLICAS_HANDOFF_MANAGER);
}

/**
 * The live object the child would land on. The caches hold only objects with our managed-by label, so a miss is
 * asked of the API server: an unlabelled object of the same name (a user's own Service, say) must be seen, or
 * server-side apply would take it over.
 */
async function liveObject(child: DesiredChild, ks: KeyService, deps: ChildApplyDeps): Promise<KubeObject | undefined> {
  if (deps.cached) return deps.cached;
  const { name, namespace } = ks.metadata;
  return (await deps.api.get(child.type.apiVersion, child.type.plural, namespace, name)) ?? undefined;
}

function refuse(child: DesiredChild, ks: KeyService): ChildNotOwnedError {
  const { name, namespace } = ks.metadata;
  return new ChildNotOwnedError(
    `The ${child.type.kind} ${namespace}/${name} exists and is not controlled by this KeyService, so it is left untouched. ` +
      `Rename or delete that ${child.type.kind} (or the KeyService) to resolve the clash`,
  );
}

/**
 * Whether the API server accepts the desired object on its own, asked as a dry-run create: refused as invalid
 * (422) it is wrong itself, refused as existing (409) or accepted it is fine.
 */
async function isValidAlone(desired: KubeObject, child: DesiredChild, api: KubeApi): Promise<boolean> {
  try {
    await api.createDryRun(desired, child.type.plural, FIELD_MANAGER);
    return true;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 409) return true;
    if (error instanceof KubeApiError && error.status === 422) return false;
    throw error;
  }
}

/**
 * An apply the API server rejects as invalid over a live object is one whose hand-edited fields clash with ours
 * (a renamed port duplicating a name, an immutable selector): the object is recreated from the desired state. But
 * only when the desired object is valid on its own: one the spec made invalid (an affinity passed through that the
 * API server refuses) would fail again once the live child was gone, and deleting a Deployment takes the pods with
 * it. That 422, and one without a live object, are left to the caller.
 */
async function applyOrRecreate(desired: KubeObject, child: DesiredChild, live: KubeObject | undefined, api: KubeApi): Promise<void> {
  try {
    await api.apply(desired, child.type.plural, FIELD_MANAGER);
  } catch (error) {
    if (!(error instanceof KubeApiError && error.status === 422 && live?.metadata.uid)) throw error;
    if (!(await isValidAlone(desired, child, api))) throw error;
    await api.remove(child.type.apiVersion, child.type.plural, live.metadata.namespace ?? '', live.metadata.name, live.metadata.uid);
    await api.apply(desired, child.type.plural, FIELD_MANAGER);
  }
}

/**
 * Brings one child to its desired state: deletes it when its feature is off, applies it when what we last applied
 * differs or a field we apply was changed, and does nothing otherwise. Never touches an object it does not control.
 */
export async function applyChild(child: DesiredChild, ks: KeyService, deps: ChildApplyDeps): Promise<void> {
  const { name, namespace, uid } = ks.metadata;
  if (child.object === null) {
    if (deps.cached && isControlledBy(deps.cached, uid)) {
      await deps.api.remove(child.type.apiVersion, child.type.plural, namespace, name, deps.cached.metadata.uid);
    }
    return;
  }
  const live = await liveObject(child, ks, deps);
  if (live && !isControlledBy(live, uid)) throw refuse(child, ks);
  const desired = withAppliedDigest(child.object);
  const handoff = needsReplicasHandoff(child, ks, live);
  if (live && !handoff && isUpToDate(desired, live)) return;
  if (handoff) await handOffReplicas(ks, live, deps.api);
  await applyOrRecreate(desired as KubeObject, child, live, deps.api);
}
