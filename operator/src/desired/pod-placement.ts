import type { KeyService } from '../spec.js';
import { selectorLabelsForKeyService } from './labels.js';

const nonEmpty = (value: object | undefined): boolean => value !== undefined && Object.keys(value).length > 0;

/**
 * The PodSpec fields spec sets under their PodSpec names (nodeSelector, tolerations, affinity, topologySpreadConstraints,
 * priorityClassName, imagePullSecrets). A field that is unset or empty is left out, so a KeyService that sets none
 * keeps the pod template, and so the pods, it had before these fields existed.
 */
export function placementForKeyService(ks: KeyService): Record<string, unknown> {
  const { nodeSelector, tolerations, affinity, topologySpreadConstraints, priorityClassName, imagePullSecrets } = ks.spec;
  // A constraint without labelSelector counts no pod at all; the key server's own pods are what it is meant to spread.
  const spread = topologySpreadConstraints?.map((c) => ({ labelSelector: { matchLabels: selectorLabelsForKeyService(ks) }, ...c }));
  return {
    ...(nonEmpty(nodeSelector) ? { nodeSelector } : {}),
    ...(tolerations?.length ? { tolerations } : {}),
    ...(nonEmpty(affinity) ? { affinity } : {}),
    ...(spread?.length ? { topologySpreadConstraints: spread } : {}),
    ...(priorityClassName === undefined ? {} : { priorityClassName }),
    ...(imagePullSecrets?.length ? { imagePullSecrets } : {}),
  };
}
