import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHART_CRD_FILE, CHART_SPEC_SCHEMA_FILE, buildValuesSchema, renderValuesSchema } from '../src/crd/build-chart-files.js';
import { renderCrdYaml } from '../src/crd/build-crd.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const committed = (file: string) => readFileSync(`${ROOT}${file}`, 'utf8');

describe('the chart files generated from operator/src/spec.ts', () => {
  it('has the committed chart CRD equal to what npm run generate:crd writes', () => {
    expect(committed(CHART_CRD_FILE)).toBe(renderCrdYaml());
  });

  it('has the committed values.schema.json equal to what npm run generate:crd writes', () => {
    expect(committed(CHART_SPEC_SCHEMA_FILE)).toBe(renderValuesSchema());
  });
});

describe('buildValuesSchema', () => {
  const schema = buildValuesSchema() as {
    additionalProperties: boolean;
    properties: Record<string, { properties?: Record<string, Record<string, unknown>>; additionalProperties?: boolean }>;
  };

  it('refuses unknown top-level keys but leaves global free for parent charts', () => {
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.global).toEqual({ type: 'object' });
  });

  it('takes server.* from the KeyService spec, bounds included', () => {
    const server = schema.properties.server;
    expect(server?.additionalProperties).toBe(false);
    expect(server?.properties?.maxSize).toMatchObject({ type: 'integer', minimum: 1, maximum: 1048576, default: 1024 });
    expect(server?.properties?.encoding).toMatchObject({ enum: ['hex', 'base64', 'base64url', 'raw'] });
  });

  it('lets server.image.tag be empty, meaning the chart appVersion', () => {
    const image = schema.properties.server?.properties?.image as { properties: Record<string, unknown> };
    expect(image.properties.tag).toEqual({ type: 'string', description: 'Image tag; empty: the chart appVersion' });
  });
});
