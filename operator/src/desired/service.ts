import type { KeyService } from '../spec.js';
import { type DesiredOptions, childMetadataForKeyService, selectorLabelsForKeyService } from './labels.js';

export function buildService(ks: KeyService, options: DesiredOptions): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMetadataForKeyService(ks, options),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabelsForKeyService(ks),
      ports: [
        { name: 'http', port: ks.spec.port, targetPort: 'http', protocol: 'TCP' },
        { name: 'metrics', port: ks.spec.metricsPort, targetPort: 'metrics', protocol: 'TCP' },
      ],
    },
  };
}

/** In-cluster URL of the key API, as status.endpoint reports it. */
export function endpointForKeyService(ks: KeyService): string {
  const scheme = ks.spec.tls.secretName === undefined ? 'http' : 'https';
  return `${scheme}://${ks.metadata.name}.${ks.metadata.namespace}.svc:${ks.spec.port}`;
}
