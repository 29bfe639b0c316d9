import type { KeyService } from '../spec.js';
import { type DesiredOptions, childMetadataForKeyService, selectorLabelsForKeyService } from './labels.js';

type Selector = NonNullable<KeyService['spec']['networkPolicy']['apiFrom'][number]['podSelector']>;

/**
 * A label selector without its empty parts: the API server drops an empty matchLabels or values list, and a desired
 * field the live object lacks would read as drift on every reconcile.
 */
function selectorOf(selector: Selector): Record<string, unknown> {
  const { matchLabels, matchExpressions } = selector;
  return {
    ...(matchLabels !== undefined && Object.keys(matchLabels).length > 0 ? { matchLabels } : {}),
    ...(matchExpressions?.length
      ? { matchExpressions: matchExpressions.map(({ key, operator, values }) => ({ key, operator, ...(values?.length ? { values } : {}) })) }
      : {}),
  };
}

/**
 * The key server's NetworkPolicy, or null while spec.networkPolicy is off: the key API port from the apiFrom peers
 * (from anywhere when none is listed), the metrics port from the pods of one namespace (Prometheus), and no egress
 * at all, since the server opens no connection of its own. The kubelet's probes come from the node, which
 * NetworkPolicy implementations let through.
 */
export function buildNetworkPolicy(ks: KeyService, options: DesiredOptions): Record<string, unknown> | null {
  const policy = ks.spec.networkPolicy;
  if (!policy.enabled) return null;
  const from = policy.apiFrom.map((peer) => ({
    ...(peer.namespaceSelector === undefined ? {} : { namespaceSelector: selectorOf(peer.namespaceSelector) }),
    ...(peer.podSelector === undefined ? {} : { podSelector: selectorOf(peer.podSelector) }),
  }));
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: childMetadataForKeyService(ks, options),
    spec: {
      podSelector: { matchLabels: selectorLabelsForKeyService(ks) },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { ports: [{ protocol: 'TCP', port: ks.spec.port }], ...(from.length > 0 ? { from } : {}) },
        {
          ports: [{ protocol: 'TCP', port: ks.spec.metricsPort }],
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': policy.metricsFromNamespace } } }],
        },
      ],
    },
  };
}
