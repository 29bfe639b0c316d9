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
import { kubeScoreAnnotationsForKeyService } from './kube-score-exceptions.js';
import { placementForKeyService } from './pod-placement.js';

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

/**
 * A rolling update that loses no request: on SIGTERM the server answers /ready with 503 for SHUTDOWN_DELAY_SECONDS
 * while it goes on serving (time for the endpoints to drop the pod and kube-proxy or a load balancer to stop sending
 * it traffic), then closes its listener and gives answers in flight SHUTDOWN_TIMEOUT_SECONDS to finish. The grace
 * period covers both with room to spare, so the kubelet's SIGKILL never cuts the drain short.
 */
export const SHUTDOWN_DELAY_SECONDS = 5;
export const SHUTDOWN_TIMEOUT_SECONDS = 20;
export const TERMINATION_GRACE_PERIOD_SECONDS = SHUTDOWN_DELAY_SECONDS + SHUTDOWN_TIMEOUT_SECONDS + 5;

export function serverArgsForKeyService(ks: KeyService): string[] {
  const args = [
    '--host=0.0.0.0',
    `--srv-port=${ks.spec.port}`,
    `--max-size=${ks.spec.maxSize}`,
    `--metrics-port=${ks.spec.metricsPort}`,
    `--encoding=${ks.spec.encoding}`,
    `--shutdown-delay=${SHUTDOWN_DELAY_SECONDS}`,
    `--shutdown-timeout=${SHUTDOWN_TIMEOUT_SECONDS}`,
  ];
  if (ks.spec.tls.secretName !== undefined) {
    args.push(`--tls-cert-file=${TLS_MOUNT_PATH}/tls.crt`, `--tls-key-file=${TLS_MOUNT_PATH}/tls.key`);
  }
  if (ks.spec.auth.enabled) args.push(`--api-keys-file=${API_KEYS_MOUNT_PATH}/api-keys`, '--reload-interval=5');
  // Only while a drill runs: a spec without one keeps the pod template, and so the pods, it always had.
  if (ks.spec.drill.faultRate > 0) args.push(`--fault-rate=${ks.spec.drill.faultRate}`);
  return args;
}

/**
 * The probes go to the metrics port, which serves /health and /ready too: a flood of clients on the API port (up to
 * its connection cap) cannot blind them, and the port stays plain HTTP whether or not spec.tls is set.
 */
function probe(path: string): Record<string, unknown> {
  return { path, port: 'metrics' };
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
      httpGet: probe('/health'),
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    },
    readinessProbe: {
      httpGet: probe('/ready'),
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
 * the pod spec passes the `restricted` Pod Security Standard. spec.podLabels and spec.podAnnotations cannot name
 * the operator's own keys (the schema refuses them), so spreading them first changes none of those.
 */
export function buildDeployment(ks: KeyService, options: DesiredOptions): DeploymentObject {
  const container = containerForKeyService(ks, options);
  const podSpec = {
    terminationGracePeriodSeconds: TERMINATION_GRACE_PERIOD_SECONDS,
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
    ...placementForKeyService(ks),
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { ...childMetadataForKeyService(ks, options), annotations: kubeScoreAnnotationsForKeyService(ks) },
    spec: {
      ...(ks.spec.autoscaling.enabled ? {} : { replicas: ks.spec.replicas }),
      selector: { matchLabels: selectorLabelsForKeyService(ks) },
      template: {
        metadata: {
          labels: { ...ks.spec.podLabels, ...labelsForKeyService(ks, options) },
          annotations: { ...ks.spec.podAnnotations, [CONFIG_HASH_ANNOTATION]: configHash(podSpec) },
        },
        spec: podSpec,
      },
    },
  };
}
