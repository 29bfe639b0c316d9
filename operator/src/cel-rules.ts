/**
 * CEL the CRD carries for checks its OpenAPI schema cannot state: durations compared by length, map keys
 * checked against a pattern. Each mirrors a zod refinement in spec.ts, so both enforcements agree.
 */

/** CEL reading a Prometheus duration as milliseconds (ms is rewritten to q first, so its m is not read as minutes). */
export function durationMsCel(field: string): string {
  const text = `${field}.replace('ms', 'q')`;
  const units: [string, number][] = [['q', 1], ['s', 1e3], ['m', 6e4], ['h', 36e5], ['d', 864e5], ['w', 6048e5], ['y', 31536e6]];
  return units.map(([unit, ms]) => `${text}.findAll('[0-9]+${unit}').map(x, int(x.substring(0, x.size() - 1)) * ${ms}).sum()`).join(' + ');
}

/** CEL that holds when every key of the map is at most `max` characters and matches `pattern` (RE2). */
export function mapKeysCel(pattern: RegExp, max: number): string {
  return `self.all(k, k.size() <= ${max} && k.matches(r'${pattern.source}'))`;
}
