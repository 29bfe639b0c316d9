import { z } from 'zod';
import { DNS_SUBDOMAIN, keyedMap, labelKey, labelValue } from './label-schema.js';

/**
 * The KeyService fields that place and guard the key server's pods: PodSpec fields passed through under their PodSpec
 * names, and the PodDisruptionBudget and NetworkPolicy children. Part of the KeyService schema (spec.ts).
 */

/** Labels the operator sets on every key server pod; the first two are the Deployment's and Service's selector. */
export const OPERATOR_POD_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/component',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/version',
] as const;
/** The pod template annotation the operator sets (keyservice.io/config-hash, desired/labels.ts). */
export const OPERATOR_POD_ANNOTATIONS = ['keyservice.io/config-hash'] as const;

const refusing = (field: string, keys: readonly string[], why: string) => ({ keys, message: `${field} must not set ${keys.join(', ')}: ${why}` });

const TOLERATION_OPERATORS = ['Exists', 'Equal'] as const;
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
const TOLERATION_RULES = [
  { rule: "!has(self.operator) || self.operator != 'Exists' || !has(self.value) || self.value == ''", message: 'a toleration with operator Exists takes no value', fieldPath: '.value' },
  { rule: "(has(self.key) && self.key != '') || (has(self.operator) && self.operator == 'Exists')", message: 'a toleration without a key must have operator Exists (it then tolerates every taint)', fieldPath: '.operator' },
];

const tolerationSchema = z
  .object({
    key: labelKey().optional().describe('Taint key the toleration applies to; empty with operator Exists: every taint'),
    operator: z.enum(TOLERATION_OPERATORS).optional().describe('Exists or Equal (the default): how key and value are compared'),
    value: labelValue().optional().describe('Taint value to match, with operator Equal'),
    effect: z.enum(TAINT_EFFECTS).optional().describe('Taint effect to match; empty: every effect'),
    tolerationSeconds: z.int().min(0).max(31_536_000).optional().describe('With effect NoExecute: how long the pod stays bound after the taint appears (0..31536000 s)'),
  })
  .refine((t) => t.operator !== 'Exists' || !t.value, { message: 'a toleration with operator Exists takes no value', path: ['value'] })
  .refine((t) => !!t.key || t.operator === 'Exists', { message: 'a toleration without a key must have operator Exists (it then tolerates every taint)', path: ['operator'] })
  .meta({ 'x-kubernetes-validations': TOLERATION_RULES })
  .describe('A Toleration of a PodSpec');

/** An object the API server checks in full when the operator applies the Deployment, kept as written here. */
const passedThrough = <T extends z.core.$ZodLooseShape>(shape: T, what: string) =>
  z.looseObject(shape).meta({ 'x-kubernetes-preserve-unknown-fields': true }).describe(`${what}; the API server validates it on the Deployment`);

export const affinitySchema = z
  .object({
    nodeAffinity: passedThrough({}, 'A NodeAffinity of a PodSpec').optional(),
    podAffinity: passedThrough({}, 'A PodAffinity of a PodSpec').optional(),
    podAntiAffinity: passedThrough({}, 'A PodAntiAffinity of a PodSpec').optional(),
  })
  .describe('The pod affinity (affinity of a PodSpec), passed through to the key server pods');

const topologySpreadConstraintSchema = passedThrough(
  {
    maxSkew: z.int().min(1).max(1000).describe('Most the pod count may differ between two topology domains (1..1000)'),
    topologyKey: labelKey().describe('Node label whose values are the domains, such as topology.kubernetes.io/zone'),
    whenUnsatisfiable: z.enum(['DoNotSchedule', 'ScheduleAnyway']).describe('What the scheduler does when the skew cannot be kept'),
  },
  'A TopologySpreadConstraint of a PodSpec; labelSelector defaults to the key server pods\' selector labels',
);

const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
const labelSelectorSchema = (what: string) =>
  z
    .object({
      matchLabels: keyedMap(labelValue()).optional().describe('Labels the object must carry'),
      matchExpressions: z
        .array(
          z.object({
            key: labelKey().describe('Label key'),
            operator: z.enum(SELECTOR_OPERATORS).describe('In, NotIn, Exists or DoesNotExist'),
            values: z.array(labelValue()).max(64).optional().describe('Values for In and NotIn'),
          }),
        )
        .max(16)
        .optional()
        .describe('Label requirements, all of which must hold'),
    })
    .describe(`${what}; empty: every one`);

const peerMessage = 'an apiFrom entry needs a namespaceSelector, a podSelector or both';
const networkPeerSchema = z
  .object({
    namespaceSelector: labelSelectorSchema('Namespaces the clients run in (alone: every pod there)').optional(),
    podSelector: labelSelectorSchema('Client pods (alone: in the KeyService\'s namespace)').optional(),
  })
  .refine((p) => p.namespaceSelector !== undefined || p.podSelector !== undefined, { message: peerMessage })
  .meta({ 'x-kubernetes-validations': [{ rule: 'has(self.namespaceSelector) || has(self.podSelector)', message: peerMessage }] })
  .describe('Clients allowed to call the key API, as a NetworkPolicyPeer');

/** An integer or a percentage, as PodDisruptionBudget takes them; the CRD checks the form with CEL. */
const intOrPercent = (what: string) =>
  z
    .union([z.int().min(0).max(100_000), z.string().regex(/^[0-9]{1,3}%$/)], { error: 'must be a count (0..100000) or a percentage such as 50%' })
    .meta({
      'x-kubernetes-int-or-string': true,
      'x-kubernetes-validations': [{ rule: "type(self) == int ? self >= 0 && self <= 100000 : self.matches('^[0-9]{1,3}%$')", message: 'must be a count (0..100000) or a percentage such as 50%' }],
    })
    .describe(`${what}: a pod count (0..100000) or a percentage such as 50%`);

const oneBudgetMessage = 'spec.podDisruptionBudget takes minAvailable or maxUnavailable, not both';
export const podDisruptionBudgetSchema = z
  .object({
    enabled: z
      .boolean()
      .optional()
      .describe('Create a PodDisruptionBudget; default: on while more than one pod runs (spec.replicas, or spec.autoscaling.minReplicas while autoscaling)'),
    minAvailable: intOrPercent('Pods that must stay up through a voluntary disruption (a node drain)').optional(),
    maxUnavailable: intOrPercent('Pods a voluntary disruption may take down at once; default 1 when minAvailable is not set').optional(),
  })
  .refine((b) => b.minAvailable === undefined || b.maxUnavailable === undefined, { message: oneBudgetMessage })
  .meta({ 'x-kubernetes-validations': [{ rule: '!has(self.minAvailable) || !has(self.maxUnavailable)', message: oneBudgetMessage, fieldPath: '.maxUnavailable' }] })
  .describe('A PodDisruptionBudget for the key server pods, so a node drain cannot evict them all at once');

export const networkPolicySchema = z
  .object({
    enabled: z
      .boolean()
      .default(false)
      .describe('Create a NetworkPolicy for the key server pods. Off by default: once on, only apiFrom reaches the key API, so list every existing client first'),
    apiFrom: z
      .array(networkPeerSchema)
      .max(32)
      .default([])
      .describe('Who may call the key API port; empty: every pod and address'),
    metricsFromNamespace: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
      .max(63)
      .default('monitoring')
      .describe('The namespace whose pods (Prometheus) may scrape the metrics port, matched by its kubernetes.io/metadata.name label'),
  })
  .describe('A NetworkPolicy for the key server pods: the key API from apiFrom, metrics from one namespace, no egress');

const podLabelsWhy = 'the operator sets them, and the first two select the pods';

/** The PodSpec fields, under their PodSpec names, and the pod template's metadata. Absent: the pod has none. */
export const podPlacementShape = {
  nodeSelector: keyedMap(labelValue()).optional().describe('Node labels a node must carry to run the key server pods (nodeSelector of a PodSpec)'),
  tolerations: z.array(tolerationSchema).max(32).optional().describe('Taints the key server pods tolerate (tolerations of a PodSpec)'),
  affinity: affinitySchema.optional(),
  topologySpreadConstraints: z
    .array(topologySpreadConstraintSchema)
    .max(8)
    .optional()
    .describe('How the key server pods spread over zones or nodes (topologySpreadConstraints of a PodSpec)'),
  priorityClassName: z.string().regex(DNS_SUBDOMAIN).max(253).optional().describe('A PriorityClass for the key server pods'),
  imagePullSecrets: z
    .array(z.object({ name: z.string().regex(DNS_SUBDOMAIN).max(253).describe('Name of a kubernetes.io/dockerconfigjson Secret in the KeyService\'s namespace') }))
    .max(16)
    .optional()
    .describe('Secrets to pull the key server image with, for a private registry (imagePullSecrets of a PodSpec)'),
  podLabels: keyedMap(labelValue(), refusing('spec.podLabels', OPERATOR_POD_LABELS, podLabelsWhy))
    .optional()
    .describe('Extra labels on the key server pods'),
  podAnnotations: keyedMap(z.string().max(16_384), refusing('spec.podAnnotations', OPERATOR_POD_ANNOTATIONS, 'the operator sets it'))
    .optional()
    .describe('Extra annotations on the key server pods'),
  podDisruptionBudget: podDisruptionBudgetSchema.prefault({}),
  networkPolicy: networkPolicySchema.prefault({}),
};
