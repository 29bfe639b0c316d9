import type { KeyService } from '../spec.js';
import { buildAlertmanagerConfig } from './alertmanager-config.js';
import { buildDashboardConfigMap } from './dashboard.js';
import { buildDeployment } from './deployment.js';
import { buildHorizontalPodAutoscaler } from './hpa.js';
import type { DesiredOptions } from './labels.js';
import { buildNetworkPolicy } from './network-policy.js';
import { buildPodDisruptionBudget } from './pod-disruption-budget.js';
import { buildPrometheusRule } from './prometheus-rule.js';
import { buildServiceMonitor } from './service-monitor.js';
import { buildService } from './service.js';

export type ChildKind =
  | 'Deployment'
  | 'Service'
  | 'PodDisruptionBudget'
  | 'NetworkPolicy'
  | 'HorizontalPodAutoscaler'
  | 'ServiceMonitor'
  | 'PrometheusRule'
  | 'AlertmanagerConfig'
  | 'ConfigMap'
  | 'Secret';

/** APIs that come with prometheus-operator's CRDs, and may be missing: their children wait until they appear. */
export type OptionalApi = 'monitoring' | 'alerting';
export const OPTIONAL_APIS: Record<OptionalApi, { groupVersion: string; plurals: string[] }> = {
  monitoring: { groupVersion: 'monitoring.coreos.com/v1', plurals: ['servicemonitors', 'prometheusrules'] },
  alerting: { groupVersion: 'monitoring.coreos.com/v1alpha1', plurals: ['alertmanagerconfigs'] },
};

export interface ChildType {
  kind: ChildKind;
  apiVersion: string;
  plural: string;
  /** The optional API the kind belongs to; null for the built-in kinds. */
  api: OptionalApi | null;
}

export const CHILD_TYPES: readonly ChildType[] = [
  { kind: 'Deployment', apiVersion: 'apps/v1', plural: 'deployments', api: null },
  { kind: 'Service', apiVersion: 'v1', plural: 'services', api: null },
  { kind: 'PodDisruptionBudget', apiVersion: 'policy/v1', plural: 'poddisruptionbudgets', api: null },
  { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', plural: 'networkpolicies', api: null },
  { kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v2', plural: 'horizontalpodautoscalers', api: null },
  { kind: 'ServiceMonitor', apiVersion: 'monitoring.coreos.com/v1', plural: 'servicemonitors', api: 'monitoring' },
  { kind: 'PrometheusRule', apiVersion: 'monitoring.coreos.com/v1', plural: 'prometheusrules', api: 'monitoring' },
  { kind: 'AlertmanagerConfig', apiVersion: 'monitoring.coreos.com/v1alpha1', plural: 'alertmanagerconfigs', api: 'alerting' },
  { kind: 'ConfigMap', apiVersion: 'v1', plural: 'configmaps', api: null },
  { kind: 'Secret', apiVersion: 'v1', plural: 'secrets', api: null },
];

export interface DesiredChild {
  type: ChildType;
  /** null: this child must not exist (its feature is off). */
  object: Record<string, unknown> | null;
}

/** Every child the KeyService implies, in apply order; disabled ones carry a null object. */
export function buildChildren(ks: KeyService, options: DesiredOptions): DesiredChild[] {
  const objects: Record<ChildKind, Record<string, unknown> | null> = {
    Deployment: buildDeployment(ks, options) as unknown as Record<string, unknown>,
    Service: buildService(ks, options),
    PodDisruptionBudget: buildPodDisruptionBudget(ks, options),
    NetworkPolicy: buildNetworkPolicy(ks, options),
    HorizontalPodAutoscaler: buildHorizontalPodAutoscaler(ks, options),
    ServiceMonitor: buildServiceMonitor(ks, options),
    PrometheusRule: buildPrometheusRule(ks, options),
    AlertmanagerConfig: buildAlertmanagerConfig(ks, options),
    ConfigMap: buildDashboardConfigMap(ks, options),
    // The API keys Secret depends on the keys already stored and on the clock: reconcile builds it (planKeysFor).
    // Null here removes a leftover one once spec.auth is turned off.
    Secret: null,
  };
  return CHILD_TYPES.map((type) => ({ type, object: objects[type.kind] }));
}
