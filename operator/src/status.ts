import { ConditionType, Reason, type ConditionTypeName, type ReasonName } from './reasons.js';
import type { Condition, KeyServiceStatus } from './spec.js';

export type MonitoringState = 'applied' | 'disabled' | 'crds-missing' | 'unavailable' | 'blocked' | 'failed';
export type AlertingState = 'applied' | 'not-configured' | 'crds-missing' | 'unavailable' | 'blocked' | 'failed';

/** The part of a live Deployment that status is computed from. */
export interface DeploymentObservation {
  generation: number;
  observedGeneration: number;
  /** spec.replicas as the API server holds it (set by the operator or by the HPA). */
  wanted: number;
  replicas: number;
  readyReplicas: number;
  updatedReplicas: number;
  /** The Deployment's own Available condition: enough pods are ready for it to serve. */
  available: boolean;
  /** Reason of the Deployment's Progressing condition (NewReplicaSetAvailable once a rollout is complete). */
  progressingReason: string | null;
  /** A Progressing=False condition (ProgressDeadlineExceeded) or a ReplicaFailure, with its message. */
  failure: string | null;
}

export interface StatusInput {
  generation: number;
  previous: Condition[];
  now: string;
  selector: string;
  endpoint: string;
  deployment: DeploymentObservation | null;
  monitoring: MonitoringState;
  alerting: AlertingState;
  apiKeys?: { currentKey: string; nextRotation: string } | undefined;
  /** AuthReady, reported while spec.auth is enabled. */
  auth?: ConditionValue | undefined;
  /** Why the spec could not be parsed or the children could not be applied; null when all went through. */
  failure: { reason: ReasonName; message: string } | null;
}

export interface ConditionValue {
  status: 'True' | 'False' | 'Unknown';
  reason: ReasonName;
  message: string;
}

/**
 * A rollout is a new pod template on its way: pods of an older template remain, or the Deployment controller says
 * it is rolling out a new ReplicaSet. A change of replicas alone (kubectl scale, the HPA) is not one.
 */
function isRollingOut(d: DeploymentObservation | null): boolean {
  return d === null || d.replicas > d.updatedReplicas || (d.progressingReason !== 'NewReplicaSetAvailable' && d.failure === null);
}

/**
 * Ready: the service can serve. Every child is applied and some pod is ready, and the Deployment is Available or
 * only scaling (its Available condition also drops while a scale-up's new pods start, the old ones serving on).
 */
function readiness(d: DeploymentObservation | null, failure: StatusInput['failure']): ConditionValue {
  if (failure) {
    return { status: 'False', reason: Reason.ChildrenNotApplied, message: `Not every child is applied (${failure.reason}); Degraded says why.` };
  }
  if (d === null) return { status: 'False', reason: Reason.DeploymentMissing, message: 'The Deployment does not exist yet.' };
  if (d.readyReplicas > 0 && (d.available || !isRollingOut(d))) {
    return { status: 'True', reason: Reason.Available, message: `${d.readyReplicas}/${d.wanted} pods are ready.` };
  }
  return {
    status: 'False',
    reason: Reason.PodsNotReady,
    message: `${d.readyReplicas}/${d.wanted} pods are ready, too few for the Deployment to be available; the events of the pods say why.`,
  };
}

function progress(d: DeploymentObservation | null): ConditionValue {
  return isRollingOut(d)
    ? { status: 'True', reason: Reason.RolloutInProgress, message: 'The Deployment is rolling out a new pod template.' }
    : { status: 'False', reason: Reason.RolloutComplete, message: 'Every pod runs the current pod template.' };
}

function degradation(input: StatusInput): ConditionValue {
  if (input.failure) return { status: 'True', ...input.failure };
  if (input.deployment?.failure) {
    return { status: 'True', reason: Reason.RolloutStuck, message: input.deployment.failure };
  }
  return { status: 'False', reason: Reason.AsExpected, message: 'All children are applied.' };
}

const MONITORING: Record<MonitoringState, ConditionValue> = {
  failed: { status: 'False', reason: Reason.ApplyFailed, message: 'The ServiceMonitor or PrometheusRule could not be applied; Degraded says why.' },
  applied: { status: 'True', reason: Reason.MonitoringApplied, message: 'The ServiceMonitor and PrometheusRule are applied.' },
  disabled: { status: 'False', reason: Reason.MonitoringDisabled, message: 'spec.serviceMonitor and spec.alerts are disabled.' },
  blocked: { status: 'Unknown', reason: Reason.InvalidSpec, message: 'Nothing is applied until the spec is valid.' },
  'crds-missing': {
    status: 'False',
    reason: Reason.MonitoringCrdsMissing,
    message:
      'The monitoring.coreos.com CRDs (ServiceMonitor, PrometheusRule) are not installed; install prometheus-operator and the operator creates them.',
  },
  unavailable: {
    status: 'False',
    reason: Reason.MonitoringApiUnavailable,
    message:
      'The operator cannot watch ServiceMonitors and PrometheusRules (forbidden by its RBAC, or the API fails); its log says why, and it tries again every poll.',
  },
};

const ALERTING: Record<AlertingState, ConditionValue> = {
  failed: { status: 'False', reason: Reason.ApplyFailed, message: 'The AlertmanagerConfig could not be applied; Degraded says why.' },
  applied: { status: 'True', reason: Reason.AlertingApplied, message: 'The AlertmanagerConfig routing these alerts is applied.' },
  'not-configured': {
    status: 'False',
    reason: Reason.AlertingNotConfigured,
    message: 'spec.alerting names no Slack channel or email address; alerts go wherever Alertmanager routes them.',
  },
  blocked: { status: 'Unknown', reason: Reason.InvalidSpec, message: 'Nothing is applied until the spec is valid.' },
  'crds-missing': {
    status: 'False',
    reason: Reason.AlertingCrdMissing,
    message:
      'The AlertmanagerConfig CRD (monitoring.coreos.com/v1alpha1) is not installed, so spec.alerting cannot be routed; install prometheus-operator and the operator creates it.',
  },
  unavailable: {
    status: 'False',
    reason: Reason.AlertingApiUnavailable,
    message: 'The operator cannot watch AlertmanagerConfigs (forbidden by its RBAC, or the API fails); its log says why, and it tries again every poll.',
  },
};

function condition(type: ConditionTypeName, value: ConditionValue, input: StatusInput): Condition {
  const before = input.previous.find((c) => c.type === type);
  const unchanged = before?.status === value.status;
  return {
    type,
    ...value,
    observedGeneration: input.generation,
    // The transition time moves only when the status flips, as metav1.Condition requires.
    lastTransitionTime: unchanged && before ? before.lastTransitionTime : input.now,
  };
}

/** The whole status, computed from what was observed: the same input gives the same status. */
export function computeStatus(input: StatusInput): KeyServiceStatus {
  const d = input.deployment;
  return {
    observedGeneration: input.generation,
    conditions: [
      condition(ConditionType.Ready, readiness(d, input.failure), input),
      condition(ConditionType.Progressing, progress(d), input),
      condition(ConditionType.Degraded, degradation(input), input),
      condition(ConditionType.MonitoringReady, MONITORING[input.monitoring], input),
      condition(ConditionType.AlertingReady, ALERTING[input.alerting], input),
      ...(input.auth ? [condition(ConditionType.AuthReady, input.auth, input)] : []),
    ],
    replicas: d?.replicas ?? 0,
    readyReplicas: d?.readyReplicas ?? 0,
    selector: input.selector,
    endpoint: input.endpoint,
    ...(input.apiKeys === undefined ? {} : { apiKeys: input.apiKeys }),
  };
}

export interface EventRecord {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

type EventRule = (c: Condition, before: Condition | undefined) => 'Normal' | 'Warning' | null;

const EVENT_RULES: Record<string, EventRule> = {
  [ConditionType.Degraded]: (c, before) => (c.status === 'True' ? 'Warning' : before?.status === 'True' ? 'Normal' : null),
  // Ready lost because a child failed is already told by Degraded's Warning: one Event per cause.
  [ConditionType.Ready]: (c, before) =>
    c.status === 'True' ? 'Normal' : before?.status === 'True' && c.reason !== Reason.ChildrenNotApplied ? 'Warning' : null,
  [ConditionType.MonitoringReady]: (c) => (c.reason === Reason.MonitoringCrdsMissing || c.reason === Reason.MonitoringApiUnavailable ? 'Warning' : null),
  [ConditionType.Paused]: () => 'Normal',
  [ConditionType.AuthReady]: (c, before) => (c.status === 'False' ? 'Warning' : before?.status === 'False' ? 'Normal' : null),
  [ConditionType.AlertingReady]: (c) => (c.reason === Reason.AlertingCrdMissing || c.reason === Reason.AlertingApiUnavailable ? 'Warning' : null),
};

function eventFor(c: Condition, before: Condition | undefined): EventRecord | null {
  if (before?.status === c.status && before.reason === c.reason) return null;
  const type = EVENT_RULES[c.type]?.(c, before) ?? null;
  return type === null ? null : { type, reason: c.reason, message: c.message };
}

/**
 * Events on transitions only: a failure beginning (Warning), its end (Normal), Ready gained (Normal) or lost
 * (Warning), monitoring or alert routing left out for want of its CRDs (Warning). A KeyService that sits unchanged emits nothing.
 */
export function transitionEvents(previous: Condition[], next: Condition[]): EventRecord[] {
  return next.flatMap((c) => eventFor(c, previous.find((p) => p.type === c.type)) ?? []);
}

export interface LiveDeployment {
  metadata: { generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

type DeploymentCondition = NonNullable<NonNullable<LiveDeployment['status']>['conditions']>[number];

function stuckMessage(conditions: DeploymentCondition[] | undefined): string | null {
  const stuck = (conditions ?? []).find(
    (c) => (c.type === 'Progressing' && c.status === 'False') || (c.type === 'ReplicaFailure' && c.status === 'True'),
  );
  return stuck ? `Deployment ${stuck.reason ?? stuck.type}: ${stuck.message ?? ''}`.trim() : null;
}

const conditionOf = (conditions: DeploymentCondition[] | undefined, type: string) => (conditions ?? []).find((c) => c.type === type);

/** Reads the fields status needs from a Deployment as the API server returns it (absent counts mean 0). */
export function observeDeployment(live: LiveDeployment): DeploymentObservation {
  const { observedGeneration = 0, replicas = 0, readyReplicas = 0, updatedReplicas = 0, conditions } = live.status ?? {};
  const progressing = conditionOf(conditions, 'Progressing');
  return {
    generation: live.metadata.generation ?? 0,
    observedGeneration,
    wanted: live.spec?.replicas ?? 1,
    replicas,
    readyReplicas,
    updatedReplicas,
    available: conditionOf(conditions, 'Available')?.status === 'True',
    progressingReason: progressing?.reason ?? null,
    failure: stuckMessage(conditions),
  };
}
