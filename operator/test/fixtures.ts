import { type KeyService, parseSpec } from '../src/spec.js';
import type { DesiredOptions } from '../src/desired/labels.js';

export const OPTIONS: DesiredOptions = {
  defaultImage: { repository: 'ghcr.io/keyservice/key-server', tag: '0.1.0' },
  dashboardJson: '{"uid":"keyservice"}',
};

/** A parsed KeyService named demo in namespace team-a, with every default filled in from `spec`. */
export function keyService(spec: unknown = {}, generation = 1): KeyService {
  const parsed = parseSpec(spec);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return {
    apiVersion: 'keyservice.io/v1alpha1',
    kind: 'KeyService',
    metadata: { name: 'demo', namespace: 'team-a', uid: 'uid-1', generation },
    spec: parsed.spec,
  };
}
