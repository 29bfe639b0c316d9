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

/**
 * Every object with named properties refuses other keys, at every depth, so a misspelt value is an error instead of
 * a field the API server drops with a warning. Maps (labels) keep their `additionalProperties` value schema.
 */
function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (schema === null || typeof schema !== 'object') return schema;
  const closed: JsonSchema = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, closeObjects(value)]));
  if ('properties' in closed && !('additionalProperties' in closed)) closed.additionalProperties = false;
  return closed;
}

/**
 * Where the chart's values.yaml deliberately differs from a bare KeyService's defaults: an install from the chart
 * is meant for production, so it runs two replicas and autoscales. The schema states these as the defaults, so
 * `helm show values` and the schema agree (a test compares values.yaml with every default of the schema).
 */
const CHART_SERVER_DEFAULTS: Record<string, unknown> = {
  replicas: 2,
  autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 70 },
};

function withDefaults(schema: JsonSchema, defaults: Record<string, unknown>): JsonSchema {
  const properties = { ...(schema.properties as Record<string, JsonSchema>) };
  for (const [key, value] of Object.entries(defaults)) {
    const property = properties[key] ?? {};
    properties[key] =
      value !== null && typeof value === 'object' ? withDefaults(property, value as Record<string, unknown>) : { ...property, default: value };
  }
  return { ...schema, properties };
}

/** JSON Schema for `server.*`: the KeyService spec itself (it becomes the instance's spec), plus the chart's two keys. */
function serverSchema(): JsonSchema {
  const generated = z.toJSONSchema(keyServiceSpecSchema, { io: 'input', target: 'draft-7', unrepresentable: 'throw' });
  const spec = withDefaults(closeObjects(generated) as JsonSchema, CHART_SERVER_DEFAULTS);
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
      name: { type: 'string', pattern: DNS_LABEL_OR_EMPTY, description: 'Its name (default: the release name)' },
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
const DNS_LABEL_OR_EMPTY = '^$|^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
/** A label or annotation key: an optional DNS-subdomain prefix and a name of up to 63 characters. */
const LABEL_KEY = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
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
          watchNamespace: { type: 'string', pattern: DNS_LABEL_OR_EMPTY },
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
          prometheusRule: { type: 'object', additionalProperties: false, properties: { enabled: { type: 'boolean' }, labels: stringMap } },
          pdb: {
            type: 'object',
            additionalProperties: false,
            properties: { enabled: { type: 'boolean' }, minAvailable: { type: 'integer', minimum: 0 } },
          },
          networkPolicy: { type: 'object', additionalProperties: false, properties: { enabled: { type: 'boolean' } } },
          secretsAccess: { type: 'boolean' },
        },
      },
      dashboard: {
        type: 'object',
        additionalProperties: false,
        properties: {
          enabled: { type: 'boolean' },
          labels: stringMap,
          folder: { type: 'string' },
          folderAnnotation: { type: 'string', pattern: LABEL_KEY },
          namespace: { type: 'string', pattern: DNS_LABEL_OR_EMPTY },
        },
      },
      server: serverSchema(),
    },
  };
}

export function renderValuesSchema(): string {
  return `${JSON.stringify(buildValuesSchema(), null, 2)}\n`;
}
