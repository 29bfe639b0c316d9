import { z } from 'zod';

/** The KeyService's status subresource, as the operator writes it; the CRD's status schema is generated from it. */
export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

export const conditionSchema = z
  .object({
    type: z.string().min(1).max(316).describe('Kind of condition: Ready, Progressing, Degraded or MonitoringReady'),
    status: z.enum(CONDITION_STATUSES).describe('True, False or Unknown'),
    observedGeneration: z.int().min(0).optional().describe('metadata.generation the condition was computed from'),
    lastTransitionTime: z.string().describe('When status last changed (RFC 3339)').meta({ format: 'date-time' }),
    reason: z.string().min(1).max(1024).describe('CamelCase reason for the last transition'),
    message: z.string().max(32768).describe('Human-readable details, saying what to do when it is a failure'),
  })
  .describe('A metav1.Condition');

export const keyServiceStatusSchema = z
  .object({
    observedGeneration: z.int().min(0).optional().describe('metadata.generation the status was computed from'),
    conditions: z
      .array(conditionSchema)
      .optional()
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
      .describe('Ready, Progressing, Degraded and MonitoringReady'),
    replicas: z.int().min(0).optional().describe('Pods of the Deployment (the scale subresource reads it)'),
    readyReplicas: z.int().min(0).optional().describe('Pods passing their readiness probe'),
    selector: z.string().optional().describe('Label selector of the pods, for the scale subresource and an HPA'),
    endpoint: z.string().optional().describe('In-cluster URL of the key API'),
    apiKeys: z
      .object({
        currentKey: z.string().describe('Name of the key clients should use (its value is the Secret key "current")'),
        nextRotation: z.string().describe('When the next key will be added (RFC 3339)'),
      })
      .optional()
      .describe('API key rotation, while spec.auth.enabled'),
    lastHandledReconcileAt: z.string().optional().describe('The keyservice.io/reconcile-requested-at value last reconciled'),
  })
  .describe('Observed state of a key server');

export type KeyServiceStatus = z.output<typeof keyServiceStatusSchema>;
export type Condition = z.output<typeof conditionSchema>;
