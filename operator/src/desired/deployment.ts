import type { KeyService } from '../spec.js';
import { configHash } from './config-hash.js';
import {
  CONFIG_HASH_ANNOTATION,
  type ChildMetadata,
  type DesiredOptions,
  childMetadataForKeyService,
  imageForKeyService,
  labelsForKeyService,
  selectorLabelsForKeyService,
} from './labels.js';

/** The numeric user of the key server image; numeric so that runAsNonRoot can verify it. */
export const SERVER_USER_ID = 65532;
export const CONTAINER_NAME = 'key-server';

export interface DeploymentObject {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: ChildMetadata;
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: unknown };
  };
}

/** Where spec.tls.secretName is mounted; the server re-reads the files there when the kubelet swaps them. */
export const TLS_MOUNT_PATH = '/etc/keyservice/tls';
const TLS_VOLUME = 'tls';
/** Where the operator's API keys Secret is mounted; the server re-reads the file when a rotation lands. */
export const API_KEYS_MOUNT_PATH = '/etc/keyservice/auth';
const API_KEYS_VOLUME = 'api-keys';

export function serverArgsForKeyService(ks: KeyService): string[] {
  const args = [
    '--host=0.0.0.0',
    `--srv-port=${ks.spec.port}`,
    `--max-size=${ks.spec.maxSize}`,
    `--metrics-port=${ks.spec.metricsPort}`,
    `--encoding=${ks.spec.encoding}`,
  ];
  if (ks.spec.tls.secretName !== undefined) {
    args.push(`--tls-cert-file=${TLS_MOUNT_PATH}/tls.crt`, `--tls-key-file=${TLS_MOUNT_PATH}/tls.key`);
  }
  if (ks.spec.auth.enabled) args.push(`--api-keys-file=${API_KEYS_MOUNT_PATH}/api-keys`, '--reload-interval=5');
  return args;
}

/** The probes speak the API's scheme: HTTPS once spec.tls is set. */
function probe(path: string, https: boolean): Record<string, unknown> {
  return { path, port: 'http', ...(https ? { scheme: 'HTTPS' } : {}) };
}

const RESTRICTED_CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: SERVER_USER_ID,
  runAsGroup: SERVER_USER_ID,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

export function containerForKeyService(ks: KeyService, options: DesiredOptions): Record<string, unknown> {
  const image = imageForKeyService(ks, options);
  const https = ks.spec.tls.secretName !== undefined;
  return {
    name: CONTAINER_NAME,
    image: `${image.repository}:${image.tag}`,
    imagePullPolicy: ks.spec.image.pullPolicy,
    args: serverArgsForKeyService(ks),
    ports: [
      { name: 'http', containerPort: ks.spec.port, protocol: 'TCP' },
      { name: 'metrics', containerPort: ks.spec.metricsPort, protocol: 'TCP' },
    ],
    livenessProbe: {
      httpGet: probe('/health', https),
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    },
    readinessProbe: {
      httpGet: probe('/ready', https),
      periodSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 2,
    },
    resources: ks.spec.resources,
    securityContext: RESTRICTED_CONTAINER_SECURITY,
    ...(volumeMountsFor(ks).length > 0 ? { volumeMounts: volumeMountsFor(ks) } : {}),
  };
}

function volumeMountsFor(ks: KeyService): Record<string, unknown>[] {
  return [
    ...(ks.spec.tls.secretName === undefined ? [] : [{ name: TLS_VOLUME, mountPath: TLS_MOUNT_PATH, readOnly: true }]),
    ...(ks.spec.auth.enabled ? [{ name: API_KEYS_VOLUME, mountPath: API_KEYS_MOUNT_PATH, readOnly: true }] : []),
  ];
}

/** The TLS Secret the user names, and the API keys Secret the operator keeps (only its file, not "current"). */
function volumesFor(ks: KeyService): Record<string, unknown>[] {
  return [
    ...(ks.spec.tls.secretName === undefined ? [] : [{ name: TLS_VOLUME, secret: { secretName: ks.spec.tls.secretName } }]),
    ...(ks.spec.auth.enabled
      ? [{ name: API_KEYS_VOLUME, secret: { secretName: ks.metadata.name, items: [{ key: 'api-keys', path: 'api-keys' }] } }]
      : []),
  ];
}

/**
 * The key server's Deployment. While autoscaling is on, `replicas` is left out so that the HPA alone owns it;
 * the pod spec passes the `restricted` Pod Security Standard.
 */
export function buildDeployment(ks: KeyService, options: DesiredOptions): DeploymentObject {
  const container = containerForKeyService(ks, options);
  const podSpec = {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: SERVER_USER_ID,
      runAsGroup: SERVER_USER_ID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [container],
    ...(volumesFor(ks).length > 0 ? { volumes: volumesFor(ks) } : {}),
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMetadataForKeyService(ks, options),
    spec: {
      ...(ks.spec.autoscaling.enabled ? {} : { replicas: ks.spec.replicas }),
      selector: { matchLabels: selectorLabelsForKeyService(ks) },
      template: {
        metadata: {
          labels: labelsForKeyService(ks, options),
          annotations: { [CONFIG_HASH_ANNOTATION]: configHash(podSpec) },
        },
        spec: podSpec,
      },
    },
  };
}
