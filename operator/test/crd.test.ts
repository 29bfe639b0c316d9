import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CRD_FILE, buildCrd, renderCrdYaml, toStructural } from '../src/crd/build-crd.js';

describe('the committed CRD', () => {
  it('equals what npm run generate:crd writes from operator/src/spec.ts', () => {
    expect(readFileSync(CRD_FILE, 'utf8')).toBe(renderCrdYaml());
  });
});

describe('buildCrd', () => {
  const crd = parse(renderCrdYaml());
  const version = crd.spec.versions[0];
  const spec = version.schema.openAPIV3Schema.properties.spec;

  it('names the resource keyservices.keyservice.io with short name ks', () => {
    expect(crd.metadata.name).toBe('keyservices.keyservice.io');
    expect(crd.spec.names).toEqual({
      kind: 'KeyService',
      listKind: 'KeyServiceList',
      plural: 'keyservices',
      singular: 'keyservice',
      shortNames: ['ks'],
      categories: ['keyservice'],
    });
  });

  it('has status and scale subresources that an HPA can target', () => {
    expect(version.subresources).toEqual({
      status: {},
      scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
    });
  });

  it('prints MaxSize, Replicas, Ready and Age columns', () => {
    const columns = version.additionalPrinterColumns as { name: string; jsonPath: string }[];
    expect(columns.map((c) => [c.name, c.jsonPath])).toEqual([
      ['MaxSize', '.spec.maxSize'],
      ['Replicas', '.status.replicas'],
      ['Ready', '.status.conditions[?(@.type=="Ready")].status'],
      ['Age', '.metadata.creationTimestamp'],
    ]);
  });

  it('bounds maxSize to 1..1048576 with default 1024', () => {
    expect(spec.properties.maxSize).toEqual({
      type: 'integer',
      minimum: 1,
      maximum: 1048576,
      default: 1024,
      description: 'Largest key, in bytes, that GET /key/<length> hands out (1..1048576)',
    });
  });

  it('carries CEL rules for metricsPort != port and minReplicas <= maxReplicas naming the fields', () => {
    expect(spec['x-kubernetes-validations']).toEqual([
      { rule: '!has(self.metricsPort) || !has(self.port) || self.metricsPort != self.port', message: 'spec.metricsPort must differ from spec.port', fieldPath: '.metricsPort' },
    ]);
    expect(spec.properties.autoscaling['x-kubernetes-validations']).toEqual([
      {
        rule: '!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas',
        message: 'spec.autoscaling.minReplicas must be less than or equal to spec.autoscaling.maxReplicas',
        fieldPath: '.minReplicas',
      },
    ]);
  });

  it('defaults resources to requests 100m/64Mi and limits 200m/128Mi', () => {
    const resources = spec.properties.resources.properties;
    expect([
      resources.requests.properties.cpu.default,
      resources.requests.properties.memory.default,
      resources.limits.properties.cpu.default,
      resources.limits.properties.memory.default,
    ]).toEqual(['100m', '64Mi', '200m', '128Mi']);
  });

  it('contains no key a structural schema rejects', () => {
    const text = JSON.stringify(buildCrd());
    expect([text.includes('$schema'), text.includes('"additionalProperties":false'), text.includes('propertyNames')]).toEqual([
      false,
      false,
      false,
    ]);
  });
});

describe('toStructural', () => {
  it('keeps only the bare types in the anyOf of an int-or-string, and lets preserve-unknown-fields stand for an open object', () => {
    expect(
      toStructural({
        type: 'object',
        properties: {
          budget: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '%$' }] },
          affinity: { type: 'object', properties: {}, additionalProperties: {}, 'x-kubernetes-preserve-unknown-fields': true },
        },
      }),
    ).toEqual({
      type: 'object',
      properties: {
        budget: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        affinity: { type: 'object', properties: {}, 'x-kubernetes-preserve-unknown-fields': true },
      },
    });
  });

  it('drops $schema, propertyNames, additionalProperties:false and safe-integer bounds, keeping defaults as data', () => {
    expect(
      toStructural({
        $schema: 'x',
        type: 'object',
        additionalProperties: false,
        properties: {
          n: { type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER },
          m: { type: 'object', propertyNames: { pattern: 'a' }, additionalProperties: { type: 'string' } },
          d: { type: 'object', default: { $schema: 'kept' } },
        },
      }),
    ).toEqual({
      type: 'object',
      properties: {
        n: { type: 'integer' },
        m: { type: 'object', additionalProperties: { type: 'string' } },
        d: { type: 'object', default: { $schema: 'kept' } },
      },
    });
  });
});
