/**
 * CEL the CRD carries for checks its OpenAPI schema cannot state: durations compared by length, map keys
 * checked against a pattern. Each mirrors a zod refinement in spec.ts, so both enforcements agree.
 */

/** Milliseconds per unit of a Prometheus-style duration (30s, 1h30m, 7d). */
export const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5, y: 31536e6 };

/**
 * A CEL expression that reads the duration in `field` as milliseconds, as durationMs does in TypeScript, so that the
 * API server can compare two durations in x-kubernetes-validations (CEL's own duration() knows no d, w or y). One
 * findAll keeps the API server's cost estimate small; 'ms' is tested before 's' and 'm', which it ends with.
 */
export function durationMsCel(field: string): string {
  const unit = Object.entries(DURATION_UNITS_MS)
    .map(([suffix, ms]) => `t.endsWith('${suffix}') ? ${ms}`)
    .join(' : ');
  return `${field}.findAll('[0-9]+(ms|s|m|h|d|w|y)').map(t, int(t.find('[0-9]+')) * (${unit} : 0)).sum()`;
}

/** CEL that holds when every key of the map is at most `max` characters and matches `pattern` (RE2). */
export function mapKeysCel(pattern: RegExp, max: number): string {
  return `self.all(k, k.size() <= ${max} && k.matches(r'${pattern.source}'))`;
}
