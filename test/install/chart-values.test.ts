import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

interface Schema {
  default?: unknown;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
}

const chartFile = (name: string) => readFileSync(new URL(`../../helm-chart/${name}`, import.meta.url), 'utf8');
const schema = JSON.parse(chartFile('values.schema.json')) as Schema;
const values = parse(chartFile('values.yaml')) as Record<string, unknown>;

/** Every [path, schema default, values.yaml value] where values.yaml sets a key whose schema has a scalar default. */
function defaultsBesideValues(node: Schema, value: unknown, path: string): [string, unknown, unknown][] {
  const here: [string, unknown, unknown][] =
    'default' in node && value !== undefined && (node.default === null || typeof node.default !== 'object') ? [[path, node.default, value]] : [];
  const children = Object.entries(node.properties ?? {}).flatMap(([key, child]) =>
    value !== null && typeof value === 'object' && key in value
      ? defaultsBesideValues(child, (value as Record<string, unknown>)[key], `${path}.${key}`)
      : [],
  );
  return [...here, ...children];
}

/** Paths of values.yaml that the schema does not name (would be refused: the schema is strict). */
function keysOutsideSchema(node: Schema, value: unknown, path: string): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || node.properties === undefined) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const sub = node.properties?.[key];
    return sub === undefined ? [`${path}.${key}`] : keysOutsideSchema(sub, child, `${path}.${key}`);
  });
}

describe('helm-chart/values.schema.json beside values.yaml', () => {
  const pairs = defaultsBesideValues(schema, values, '');

  it('has a default for the chart\'s main server settings to compare', () => {
    expect(pairs.map(([path]) => path)).toEqual(expect.arrayContaining(['.server.replicas', '.server.autoscaling.enabled', '.server.maxSize']));
  });

  it('states the same default as values.yaml for every key both give one', () => {
    expect(pairs.filter(([, fallback, value]) => fallback !== value)).toEqual([]);
  });

  it('names every key values.yaml sets', () => {
    expect(keysOutsideSchema(schema, values, '')).toEqual([]);
  });
});
