import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { clusterTool, kubectl, ROOT } from '../cluster/kube-test-env.js';

const CHART = join(ROOT, 'helm-chart');
const CI_VALUES = readdirSync(join(CHART, 'ci')).filter((file) => file.endsWith('-values.yaml'));
const OVERLAYS = readdirSync(join(ROOT, 'manifests/overlays'));
const IGNORE = 'kube-score/ignore';
const REASONS = 'keyservice.io/kube-score-reasons';

interface Scanned {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
}

/** kube-score's CRITICAL findings on a multi-document YAML stream; a check ignored on an object is not one. */
function criticals(yaml: string): string[] {
  const result = clusterTool('kube-score', ['score', '-', '--output-format', 'ci'], { input: yaml });
  if (result.stdout === '') throw new Error(`kube-score printed nothing: ${result.stderr}`);
  return result.stdout.split('\n').filter((line) => line.startsWith('[CRITICAL]'));
}

/** Objects that tell kube-score to ignore a check without saying why (REASONS holds `check=reason; ...`). */
function ignoresWithoutReason(yaml: string): string[] {
  return parseAllDocuments(yaml)
    .map((doc) => doc.toJS() as Scanned | null)
    .flatMap((object) => {
      const annotations = object?.metadata.annotations ?? {};
      const reasons = (annotations[REASONS] ?? '').split(';').map((entry) => entry.split('=')[0]?.trim());
      return (annotations[IGNORE] ?? '')
        .split(',')
        .filter((check) => check !== '' && !reasons.includes(check))
        .map((check) => `${object?.kind}/${object?.metadata.name}: ${check}`);
    });
}

const helmTemplate = (valuesFile: string) => {
  const result = clusterTool('helm', ['template', 'ks', CHART, '-f', join(CHART, 'ci', valuesFile)]);
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout;
};

const OPERATOR_MAIN = join(ROOT, 'dist/operator/src/main.js');

/** The children the operator builds for the KeyServices in `file`, as its render subcommand prints them (npm run build first). */
function operatorRender(file: string): string {
  const result = spawnSync(process.execPath, [OPERATOR_MAIN, 'render', '-f', file], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`render -f ${file} failed: ${result.stderr}`);
  return result.stdout;
}

/** KeyServices beyond the sample: one pod with every default, and everything the key server can be given. */
const KEY_SERVICES: Record<string, string> = {
  'one pod, every default': '{}',
  'autoscaled from two pods with a NetworkPolicy and a percentage budget':
    '{autoscaling: {enabled: true, minReplicas: 2}, networkPolicy: {enabled: true, apiFrom: [{namespaceSelector: {matchLabels: {team: a}}}]}, podDisruptionBudget: {minAvailable: "50%"}, image: {pullPolicy: Always}}',
};

describe('kube-score', () => {
  it.each(CI_VALUES)('finds nothing CRITICAL in the chart rendered with ci/%s, but what the object explains', (file) => {
    const yaml = helmTemplate(file);
    expect({ criticals: criticals(yaml), unexplained: ignoresWithoutReason(yaml) }).toEqual({ criticals: [], unexplained: [] });
  });

  it.each(['', ...OVERLAYS.map((overlay) => `overlays/${overlay}`)])('finds nothing CRITICAL in manifests/%s, but what the object explains', (path) => {
    const yaml = kubectl(['kustomize', join(ROOT, 'manifests', path)]);
    expect({ criticals: criticals(yaml), unexplained: ignoresWithoutReason(yaml) }).toEqual({ criticals: [], unexplained: [] });
  });

  it('finds nothing CRITICAL in the children the operator renders for manifests/samples/keyservice.yaml, but what the object explains', () => {
    const yaml = operatorRender(join(ROOT, 'manifests/samples/keyservice.yaml'));
    expect({ criticals: criticals(yaml), unexplained: ignoresWithoutReason(yaml) }).toEqual({ criticals: [], unexplained: [] });
  });

  it.each(Object.keys(KEY_SERVICES))('finds nothing CRITICAL in the children of a KeyService with %s, but what the object explains', (name) => {
    const file = join(mkdtempSync(join(tmpdir(), 'ks-score-')), 'keyservice.yaml');
    writeFileSync(file, `apiVersion: keyservice.io/v1alpha1\nkind: KeyService\nmetadata: {name: keys}\nspec: ${KEY_SERVICES[name]}\n`);
    const yaml = operatorRender(file);
    expect({ criticals: criticals(yaml), unexplained: ignoresWithoutReason(yaml) }).toEqual({ criticals: [], unexplained: [] });
  });

  it('sees a CRITICAL finding where there is one (a Deployment with no resources at all)', () => {
    const bare = ['apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: bare}', 'spec:', '  selector: {matchLabels: {app: bare}}',
      '  template:', '    metadata: {labels: {app: bare}}', '    spec: {containers: [{name: c, image: "x:1"}]}'].join('\n');
    expect(criticals(bare).length).toBeGreaterThan(0);
  });
});
