import type { KeyService } from '../spec.js';
import { type DesiredOptions, childMetadataForKeyService } from './labels.js';

/** The autoscaler, or null when spec.autoscaling.enabled is false (the reconciler then deletes any left over). */
export function buildHorizontalPodAutoscaler(ks: KeyService, options: DesiredOptions): Record<string, unknown> | null {
  const autoscaling = ks.spec.autoscaling;
  if (!autoscaling.enabled) return null;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: childMetadataForKeyService(ks, options),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: ks.metadata.name },
      minReplicas: autoscaling.minReplicas,
      maxReplicas: autoscaling.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: autoscaling.targetCPUUtilizationPercentage },
          },
        },
      ],
    },
  };
}
