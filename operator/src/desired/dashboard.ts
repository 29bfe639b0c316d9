import type { KeyService } from '../spec.js';
import { type DesiredOptions, childMetadataForKeyService } from './labels.js';

/** The label Grafana's dashboard sidecar (kube-prometheus-stack) looks for. */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';

/**
 * The Grafana dashboard as a ConfigMap the sidecar loads, or null when spec.dashboard is off. Named after the
 * KeyService, like every child, so the operator finds it again by name.
 */
export function buildDashboardConfigMap(ks: KeyService, options: DesiredOptions): Record<string, unknown> | null {
  if (!ks.spec.dashboard.enabled) return null;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMetadataForKeyService(ks, options, { [GRAFANA_DASHBOARD_LABEL]: '1' }),
    data: { 'keyservice.json': options.dashboardJson },
  };
}
