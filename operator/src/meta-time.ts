/** A time as Kubernetes writes metav1.Time: RFC 3339 in UTC, to the second (2026-11-25T05:30:00Z). */
export function metaTime(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}
