import { z } from 'zod';
import { stringify } from 'yaml';
import {
  CATEGORIES,
  GROUP,
  KIND,
  NAME_MAX,
  NAME_MESSAGE,
  NAME_PATTERN,
  PLURAL,
  SHORT_NAMES,
  SINGULAR,
  VERSION,
  keyServiceSpecSchema,
  keyServiceStatusSchema,
} from '../spec.js';

type JsonSchema = Record<string, unknown>;

/** zod writes these bounds for an unbounded z.int(); they say nothing to a user of `kubectl explain`. */
const SAFE_INTEGER_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

/**
 * Turns zod's JSON Schema into a Kubernetes structural schema: no `$schema`, no `propertyNames` (unsupported), no
 * `additionalProperties: false` (structural schemas prune unknown fields instead, and false is rejected next to
 * `properties`), no safe-integer bounds. An object that keeps unknown fields says so with
 * x-kubernetes-preserve-unknown-fields instead of zod's open `additionalProperties: {}`; an int-or-string keeps only
 * the two bare types in its anyOf, the one form a structural schema allows there (its CEL rule checks the values).
 */
export function toStructural(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toStructural);
  if (node === null || typeof node !== 'object') return node;
  const schema = node as JsonSchema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (isDropped(key, value, schema)) continue;
    // `default` and `enum` values are data, not schemas: copy them untouched.
    out[key] = key === 'default' || key === 'enum' ? value : toStructural(value);
  }
  if (schema['x-kubernetes-int-or-string'] === true) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  return out;
}

function isDropped(key: string, value: unknown, schema: JsonSchema): boolean {
  if (key === '$schema' || key === 'propertyNames') return true;
  if (key === 'additionalProperties') return value === false || schema['x-kubernetes-preserve-unknown-fields'] === true;
  return (key === 'minimum' || key === 'maximum') && SAFE_INTEGER_BOUNDS.has(value as number);
}

function schemaFor(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0', unrepresentable: 'throw' });
  return toStructural(json) as JsonSchema;
}

export function buildOpenApiSchema(): JsonSchema {
  return {
    type: 'object',
    description: 'A KeyService runs a key server: a Deployment, a Service, an optional autoscaler and monitoring.',
    properties: {
      apiVersion: { type: 'string', description: 'Versioned schema of this object' },
      kind: { type: 'string', description: 'REST resource this object represents' },
      metadata: { type: 'object' },
      spec: { ...schemaFor(keyServiceSpecSchema), default: {} },
      status: schemaFor(keyServiceStatusSchema),
    },
    'x-kubernetes-validations': [
      {
        rule: `self.metadata.name.size() <= ${NAME_MAX} && self.metadata.name.matches(r'${NAME_PATTERN.source}')`,
        message: NAME_MESSAGE,
      },
    ],
  };
}

export function buildCrd(): JsonSchema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${PLURAL}.${GROUP}`,
      labels: { 'app.kubernetes.io/name': 'keyservice-operator', 'app.kubernetes.io/part-of': 'keyservice' },
    },
    spec: {
      group: GROUP,
      names: { kind: KIND, listKind: `${KIND}List`, plural: PLURAL, singular: SINGULAR, shortNames: SHORT_NAMES, categories: CATEGORIES },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: buildOpenApiSchema() },
          subresources: {
            status: {},
            scale: {
              specReplicasPath: '.spec.replicas',
              statusReplicasPath: '.status.replicas',
              labelSelectorPath: '.status.selector',
            },
          },
          additionalPrinterColumns: [
            { name: 'MaxSize', type: 'integer', jsonPath: '.spec.maxSize', description: 'Largest key in bytes' },
            { name: 'Replicas', type: 'integer', jsonPath: '.status.replicas', description: 'Pods running' },
            {
              name: 'Ready',
              type: 'string',
              jsonPath: '.status.conditions[?(@.type=="Ready")].status',
              description: 'Whether the key server answers',
            },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
        },
      ],
    },
  };
}

export const CRD_FILE = `crds/${GROUP}_${PLURAL}.yaml`;

export function renderCrdYaml(): string {
  return `# Generated from operator/src/spec.ts by \`npm run generate:crd\`: edit the zod schema, not this file.\n${stringify(buildCrd(), { lineWidth: 0 })}`;
}
