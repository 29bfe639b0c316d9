import type { KeyService } from '../spec.js';
import { buildDeployment } from './deployment.js';
import { buildHorizontalPodAutoscaler } from './hpa.js';
import type { DesiredOptions } from './labels.js';
import { buildPrometheusRule } from './prometheus-rule.js';
import { buildServiceMonitor } from './service-monitor.js';
import { buildService } from './service.js';

export type ChildKind = 'Deployment' | 'Service' | 'HorizontalPodAutoscaler' | 'ServiceMonitor' | 'PrometheusRule';

export interface ChildType {
  kind: ChildKind;
  apiVersion: string;
  plural: string;
  /** Needs prometheus-operator's CRDs. */
  monitoring: boolean;
}

export const CHILD_TYPES: readonly ChildType[] = [
  { kind: 'Deployment', apiVersion: 'apps/v1', plural: 'deployments', monitoring: false },
  { kind: 'Service', apiVersion: 'v1', plural: 'services', monitoring: false },
  { kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v2', plural: 'horizontalpodautoscalers', monitoring: false },
  { kind: 'ServiceMonitor', apiVersion: 'monitoring.coreos.com/v1', plural: 'servicemonitors', monitoring: true },
  { kind: 'PrometheusRule', apiVersion: 'monitoring.coreos.com/v1', plural: 'prometheusrules', monitoring: true },
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
    HorizontalPodAutoscaler: buildHorizontalPodAutoscaler(ks, options),
    ServiceMonitor: buildServiceMonitor(ks, options),
    PrometheusRule: buildPrometheusRule(ks, options),
  };
  return CHILD_TYPES.map((type) => ({ type, object: objects[type.kind] }));
}
