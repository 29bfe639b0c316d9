import type { KeyService } from '../spec.js';
import { type DesiredOptions, childMetadataForKeyService, selectorLabelsForKeyService } from './labels.js';

/** Fewest pods the KeyService runs: the autoscaler's floor while it scales, spec.replicas otherwise. */
function fewestPods(ks: KeyService): number {
  return ks.spec.autoscaling.enabled ? ks.spec.autoscaling.minReplicas : ks.spec.replicas;
}

/** Whether the KeyService gets a PodDisruptionBudget: as spec.podDisruptionBudget.enabled says, else when it runs more than one pod. */
export function podDisruptionBudgetEnabled(ks: KeyService): boolean {
  return ks.spec.podDisruptionBudget.enabled ?? fewestPods(ks) > 1;
}

/**
 * A PodDisruptionBudget over the key server pods, so that a node drain evicts them a few at a time (maxUnavailable 1
 * unless the spec says otherwise), or null when it is off. Pods that are not ready may always be evicted
 * (unhealthyPodEvictionPolicy AlwaysAllow): a crash-looping pod protects nothing and must not block a drain.
 */
export function buildPodDisruptionBudget(ks: KeyService, options: DesiredOptions): Record<string, unknown> | null {
  if (!podDisruptionBudgetEnabled(ks)) return null;
  const { minAvailable, maxUnavailable } = ks.spec.podDisruptionBudget;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMetadataForKeyService(ks, options),
    spec: {
      selector: { matchLabels: selectorLabelsForKeyService(ks) },
      ...(minAvailable === undefined ? { maxUnavailable: maxUnavailable ?? 1 } : { minAvailable }),
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
}
