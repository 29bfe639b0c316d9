import { z } from 'zod';
import { keyServiceSpecSchema } from '../spec.js';

type JsonSchema = Record<string, unknown>;

/**
 * The chart ships the CRD in crds/, which Helm installs before it maps the templates: the chart's own KeyService
 * needs the kind to exist by then, which a templated CRD in the same release cannot guarantee. Helm never upgrades
 * or deletes crds/ (the chart README says how to upgrade it), which also keeps every KeyService safe on uninstall.
 */
export const CHART_CRD_FILE = 'helm-chart/crds/keyservice.io_keyservices.yaml';
export const CHART_SPEC_SCHEMA_FILE = 'helm-chart/values.schema.json';

/** JSON Schema for `server.*`: the KeyService spec itself (it becomes the instance's spec), plus the chart's two keys. */
function serverSchema(): JsonSchema {
  const spec = z.toJSONSchema(keyServiceSpecSchema, { io: 'input', target: 'draft-7', unrepresentable: 'throw' }) as JsonSchema;
  const rest = { ...spec };
  delete rest.$schema;
  const properties = rest.properties as Record<string, JsonSchema>;
  const image = properties.image as { properties: JsonSchema };
  // In the chart an empty tag means "the chart's appVersion", so the one place it differs from the spec.
  image.properties.tag = { type: 'string', description: 'Image tag; empty: the chart appVersion' };
  return {
    ...rest,
    additionalProperties: false,
    properties: {
      enabled: { type: 'boolean', description: 'Create one KeyService from these values' },
      name: { type: 'string', pattern: '^$|^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$', description: 'Its name (default: the release name)' },
      ...properties,
    },
  };
}

const image = {
  type: 'object',
  additionalProperties: false,
  properties: {
    repository: { type: 'string', minLength: 1 },
    tag: { type: 'string' },
    pullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] },
  },
};
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
const anyObject = { type: 'object' };

/** values.schema.json: strict (a misspelt key is an error) except under `global`, so the chart works as a subchart. */
export function buildValuesSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Values of the keyservice chart (server.* is generated from operator/src/spec.ts)',
    type: 'object',
    additionalProperties: false,
    properties: {
      global: anyObject,
      nameOverride: { type: 'string' },
      fullnameOverride: { type: 'string' },
      serviceAccount: {
        type: 'object',
        additionalProperties: false,
        properties: { create: { type: 'boolean' }, name: { type: 'string' }, annotations: stringMap },
      },
      operator: {
        type: 'object',
        additionalProperties: false,
        properties: {
          image,
          imagePullSecrets: { type: 'array', items: anyObject },
          replicas: { type: 'integer', minimum: 1, maximum: 10 },
          watchNamespace: { type: 'string', pattern: '^$|^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' },
          logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
          metricsPort: { type: 'integer', minimum: 1, maximum: 65535 },
          resources: anyObject,
          podAnnotations: stringMap,
          podLabels: stringMap,
          nodeSelector: stringMap,
          tolerations: { type: 'array', items: anyObject },
          affinity: anyObject,
          serviceMonitor: {
            type: 'object',
            additionalProperties: false,
            properties: { enabled: { type: 'boolean' }, interval: { type: 'string' }, labels: stringMap },
          },
          pdb: {
            type: 'object',
            additionalProperties: false,
            properties: { enabled: { type: 'boolean' }, minAvailable: { type: 'integer', minimum: 0 } },
          },
          networkPolicy: { type: 'object', additionalProperties: false, properties: { enabled: { type: 'boolean' } } },
          secretsAccess: { type: 'boolean' },
        },
      },
      dashboard: { type: 'object', additionalProperties: false, properties: { enabled: { type: 'boolean' } } },
      server: serverSchema(),
    },
  };
}

export function renderValuesSchema(): string {
  return `${JSON.stringify(buildValuesSchema(), null, 2)}\n`;
}
