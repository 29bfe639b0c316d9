import type { KubeObject } from './kube.js';
import { ConditionType, Reason } from './reasons.js';
import type { Condition, KeyServiceStatus } from './spec.js';

/** `keyservice.io/paused: "true"` stops reconciling one KeyService: nothing is applied until it goes. */
export const PAUSED_ANNOTATION = 'keyservice.io/paused';
/**
 * Any new value of `keyservice.io/reconcile-requested-at` (a timestamp, by convention) asks for a reconcile now, as
 * Flux's `reconcile.fluxcd.io/requestedAt` does; status.lastHandledReconcileAt echoes the value once it is done.
 */
export const RECONCILE_REQUEST_ANNOTATION = 'keyservice.io/reconcile-requested-at';

const annotationsOf = (raw: KubeObject) => (raw.metadata as { annotations?: Record<string, string> }).annotations ?? {};

export function isPaused(raw: KubeObject): boolean {
  return annotationsOf(raw)[PAUSED_ANNOTATION] === 'true';
}

export function reconcileRequest(raw: KubeObject): string | undefined {
  return annotationsOf(raw)[RECONCILE_REQUEST_ANNOTATION];
}

function pausedCondition(paused: boolean, previous: Condition | undefined, generation: number, now: string): Condition {
  const status = paused ? 'True' : 'False';
  return {
    type: ConditionType.Paused,
    status,
    reason: paused ? Reason.PausedByAnnotation : Reason.Resumed,
    message: paused
      ? `${PAUSED_ANNOTATION} is "true": the operator applies nothing and leaves the children as they are until it is removed.`
      : `${PAUSED_ANNOTATION} was removed; reconciling again.`,
    observedGeneration: generation,
    lastTransitionTime: previous?.status === status ? previous.lastTransitionTime : now,
  };
}

/** The status of a paused KeyService: what it was, with Paused=True. */
export function pausedStatus(raw: KubeObject, now: string): KeyServiceStatus {
  const previous = (raw.status ?? {}) as KeyServiceStatus;
  const conditions = previous.conditions ?? [];
  const before = conditions.find((c) => c.type === ConditionType.Paused);
  const paused = pausedCondition(true, before, raw.metadata.generation ?? 0, now);
  return { ...previous, conditions: [...conditions.filter((c) => c.type !== ConditionType.Paused), paused] };
}

/** A reconciled status: Paused=False once after a pause (then dropped), and the reconcile request it handled. */
export function withControlState(status: KeyServiceStatus, raw: KubeObject, now: string): KeyServiceStatus {
  const previous = (raw.status ?? {}) as KeyServiceStatus;
  const before = previous.conditions?.find((c) => c.type === ConditionType.Paused);
  const resumed = before?.status === 'True' ? [pausedCondition(false, before, raw.metadata.generation ?? 0, now)] : [];
  const request = reconcileRequest(raw);
  return {
    ...status,
    conditions: [...(status.conditions ?? []), ...resumed],
    ...(request === undefined ? {} : { lastHandledReconcileAt: request }),
  };
}
