import type { KeyService } from '../spec.js';
import { podDisruptionBudgetEnabled } from './pod-disruption-budget.js';

/** The annotations kube-score reads (checks to skip) and this project's reasons for each (`check=reason; ...`). */
export const KUBE_SCORE_IGNORE_ANNOTATION = 'kube-score/ignore';
export const KUBE_SCORE_REASONS_ANNOTATION = 'keyservice.io/kube-score-reasons';

/**
 * The kube-score checks the key server's Deployment does not pass as the spec stands, each with the reason, written
 * on the Deployment itself (its metadata: the pod template, and so the pods, stay as they are).
 */
function exceptionsFor(ks: KeyService): [check: string, reason: string][] {
  const { image, networkPolicy, podDisruptionBudget } = ks.spec;
  const exceptions: [string, string][] = [
    ['container-ephemeral-storage-request-and-limit', 'the root filesystem is read-only and the server writes no file: only its log counts'],
  ];
  if (image.pullPolicy !== 'Always') {
    exceptions.push(['container-image-pull-policy', `spec.image.pullPolicy is ${image.pullPolicy}: meant for immutable version tags`]);
  }
  if (!networkPolicy.enabled) exceptions.push(['pod-networkpolicy', 'spec.networkPolicy.enabled is false: turn it on once apiFrom lists every client']);
  if (!podDisruptionBudgetEnabled(ks)) {
    const why = podDisruptionBudget.enabled === false ? 'spec.podDisruptionBudget.enabled is false' : 'at most one pod, which no budget keeps up through a node drain';
    exceptions.push(['deployment-has-poddisruptionbudget', why]);
  }
  return exceptions;
}

export function kubeScoreAnnotationsForKeyService(ks: KeyService): Record<string, string> {
  const exceptions = exceptionsFor(ks);
  return {
    [KUBE_SCORE_IGNORE_ANNOTATION]: exceptions.map(([check]) => check).join(','),
    [KUBE_SCORE_REASONS_ANNOTATION]: exceptions.map(([check, reason]) => `${check}=${reason}`).join('; '),
  };
}
