import { parseAllDocuments, stringify } from 'yaml';
import { buildChildren } from './desired/children.js';
import type { DesiredOptions } from './desired/labels.js';
import { buildRuleGroups } from './desired/prometheus-rule.js';
import { API_VERSION, KIND, parseSpec, type KeyService } from './spec.js';

export type RenderResult = { ok: true; yaml: string } | { ok: false; problems: string[] };

interface RawKeyService {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: unknown;
}

function readKeyServices(text: string, problems: string[]): KeyService[] {
  const found: KeyService[] = [];
  parseAllDocuments(text).forEach((doc, index) => {
    if (doc.errors.length > 0) {
      problems.push(`document ${index + 1}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return;
    }
    const raw = doc.toJS() as RawKeyService | null;
    if (raw?.kind !== KIND || raw.apiVersion !== API_VERSION) return;
    const name = raw.metadata?.name;
    const parsed = parseSpec(raw.spec);
    if (!name) problems.push(`document ${index + 1}: metadata.name is required`);
    if (!parsed.ok) problems.push(...parsed.problems.map((p) => `${name ?? `document ${index + 1}`}: ${p}`));
    if (!name || !parsed.ok) return;
    const namespace = raw.metadata?.namespace ?? 'default';
    found.push({ apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace, uid: '' }, spec: parsed.spec });
  });
  return found;
}

/**
 * The children of every KeyService in a YAML stream, as YAML, without a cluster (for GitOps). Owner references
 * are left out: the owner's uid exists only once the API server has stored the KeyService. With rulesOnly, the
 * output is one plain Prometheus rules file (`groups:`) that promtool can check and test.
 */
export function renderKeyServices(text: string, options: DesiredOptions, rulesOnly = false): RenderResult {
  const problems: string[] = [];
  const keyServices = readKeyServices(text, problems);
  if (problems.length > 0) return { ok: false, problems };
  if (keyServices.length === 0) return { ok: false, problems: [`no ${KIND} (${API_VERSION}) found`] };
  if (rulesOnly) return { ok: true, yaml: stringify({ groups: keyServices.flatMap(buildRuleGroups) }, { lineWidth: 0 }) };
  const objects = keyServices.flatMap((ks) =>
    buildChildren(ks, options).flatMap((child) => {
      if (child.object === null) return [];
      const metadata = { ...(child.object.metadata as Record<string, unknown>) };
      delete metadata.ownerReferences;
      return [{ ...child.object, metadata }];
    }),
  );
  return { ok: true, yaml: objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n') };
}
