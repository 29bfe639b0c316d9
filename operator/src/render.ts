import { parseAllDocuments, stringify } from 'yaml';
import { buildApiKeysSecret, planApiKeys, type StoredKey } from './desired/api-keys.js';
import { buildChildren } from './desired/children.js';
import type { DesiredOptions } from './desired/labels.js';
import { buildRuleGroups } from './desired/prometheus-rule.js';
import { API_VERSION, KIND, nameProblem, parseSpec, type KeyService } from './spec.js';

export type RenderResult = { ok: true; yaml: string } | { ok: false; problems: string[] };

interface RawKeyService {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: unknown;
}

function readKeyService(raw: RawKeyService, document: number, problems: string[]): KeyService | null {
  const name = raw.metadata?.name;
  const parsed = parseSpec(raw.spec);
  const badName = name ? nameProblem(name) : 'metadata.name is required';
  if (badName !== null) problems.push(`document ${document}: ${badName}`);
  if (!parsed.ok) problems.push(...parsed.problems.map((p) => `${name ?? `document ${document}`}: ${p}`));
  if (!name || badName !== null || !parsed.ok) return null;
  const namespace = raw.metadata?.namespace ?? 'default';
  return { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace, uid: '' }, spec: parsed.spec };
}

function readKeyServices(text: string, problems: string[]): KeyService[] {
  return parseAllDocuments(text).flatMap((doc, index) => {
    if (doc.errors.length > 0) {
      problems.push(`document ${index + 1}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return [];
    }
    const raw = doc.toJS() as RawKeyService | null;
    if (raw?.kind !== KIND || raw.apiVersion !== API_VERSION) return [];
    return readKeyService(raw, index + 1, problems) ?? [];
  });
}

/** A first API key, for rendering the Secret that a KeyService with spec.auth mounts. */
export interface RenderKeys {
  now: Date;
  mint: (now: Date) => StoredKey;
}

function childrenOf(ks: KeyService, options: DesiredOptions, keys: RenderKeys): Record<string, unknown>[] {
  const secret = ks.spec.auth.enabled
    ? buildApiKeysSecret(ks, planApiKeys([], keys.now, ks, keys.mint), options)
    : null;
  return buildChildren(ks, options).flatMap((child) => {
    const object = child.type.kind === 'Secret' ? secret : child.object;
    if (object === null) return [];
    const metadata = { ...(object.metadata as Record<string, unknown>) };
    delete metadata.ownerReferences;
    return [{ ...object, metadata }];
  });
}

/**
 * The children of every KeyService in a YAML stream, as YAML, without a cluster (for GitOps). Owner references
 * are left out: the owner's uid exists only once the API server has stored the KeyService. With rulesOnly, the
 * output is one plain Prometheus rules file (`groups:`) that promtool can check and test. A KeyService with
 * spec.auth gets the Secret its pods mount, holding a first key from `keys`: the operator would create it otherwise.
 */
export function renderKeyServices(text: string, options: DesiredOptions, keys: RenderKeys, rulesOnly = false): RenderResult {
  const problems: string[] = [];
  const keyServices = readKeyServices(text, problems);
  if (problems.length > 0) return { ok: false, problems };
  if (keyServices.length === 0) return { ok: false, problems: [`no ${KIND} (${API_VERSION}) found`] };
  if (rulesOnly) return { ok: true, yaml: stringify({ groups: keyServices.flatMap(buildRuleGroups) }, { lineWidth: 0 }) };
  const objects = keyServices.flatMap((ks) => childrenOf(ks, options, keys));
  return { ok: true, yaml: objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n') };
}
