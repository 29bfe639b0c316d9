import { API_VERSION, KIND, type KeyService } from '../spec.js';

export const FIELD_MANAGER = 'keyservice-operator';
export const COMPONENT = 'key-server';
export const MANAGED_BY = 'keyservice-operator';
export const CONFIG_HASH_ANNOTATION = 'keyservice.io/config-hash';

export interface ImageRef {
  repository: string;
  tag: string;
}

/** What the builders need beyond the KeyService itself; it comes from the operator's flags. */
export interface DesiredOptions {
  defaultImage: ImageRef;
  /** The Grafana dashboard (helm-chart/dashboards/keyservice.json) as text, for spec.dashboard. */
  dashboardJson: string;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: true;
  blockOwnerDeletion: true;
}

export interface ChildMetadata {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences: OwnerReference[];
}

/** The labels the Service and the Deployment select pods by: stable for the life of the KeyService. */
export function selectorLabelsForKeyService(ks: KeyService): Record<string, string> {
  return { 'app.kubernetes.io/name': COMPONENT, 'app.kubernetes.io/instance': ks.metadata.name };
}

export function imageForKeyService(ks: KeyService, options: DesiredOptions): ImageRef {
  return {
    repository: ks.spec.image.repository ?? options.defaultImage.repository,
    tag: ks.spec.image.tag ?? options.defaultImage.tag,
  };
}

export function labelsForKeyService(ks: KeyService, options: DesiredOptions): Record<string, string> {
  return {
    ...selectorLabelsForKeyService(ks),
    'app.kubernetes.io/component': COMPONENT,
    'app.kubernetes.io/part-of': 'keyservice',
    'app.kubernetes.io/managed-by': MANAGED_BY,
    // A label value allows 63 characters of [A-Za-z0-9._-]; a digest-style tag does not fit, so it is cut.
    'app.kubernetes.io/version': imageForKeyService(ks, options).tag.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63),
  };
}

export function ownerReferenceForKeyService(ks: KeyService): OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: ks.metadata.name,
    uid: ks.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function childMetadataForKeyService(
  ks: KeyService,
  options: DesiredOptions,
  extraLabels: Record<string, string> = {},
): ChildMetadata {
  return {
    name: ks.metadata.name,
    namespace: ks.metadata.namespace,
    labels: { ...extraLabels, ...labelsForKeyService(ks, options) },
    ownerReferences: [ownerReferenceForKeyService(ks)],
  };
}
