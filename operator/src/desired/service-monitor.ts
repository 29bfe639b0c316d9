import type { KeyService } from '../spec.js';
import { type DesiredOptions, childMetadataForKeyService, selectorLabelsForKeyService } from './labels.js';

/** The ServiceMonitor, or null when spec.serviceMonitor.enabled is false. Its job label is the Service's name. */
export function buildServiceMonitor(ks: KeyService, options: DesiredOptions): Record<string, unknown> | null {
  const monitor = ks.spec.serviceMonitor;
  if (!monitor.enabled) return null;
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: childMetadataForKeyService(ks, options, monitor.labels),
    spec: {
      selector: { matchLabels: selectorLabelsForKeyService(ks) },
      namespaceSelector: { matchNames: [ks.metadata.namespace] },
      endpoints: [{ port: 'metrics', path: '/metrics', interval: monitor.interval }],
    },
  };
}
