import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const chart = parse(read('helm-chart/Chart.yaml')) as {
  appVersion: string;
  icon: string;
  maintainers?: { name: string }[];
  annotations: Record<string, string>;
};
const values = parse(read('helm-chart/values.yaml')) as { operator: { image: { repository: string } }; server: { image: { repository: string } } };
const annotation = <T>(name: string) => parse(chart.annotations[`artifacthub.io/${name}`] ?? 'null') as T;
const REPOSITORY_FILE = 'https://raw.githubusercontent.com/keyservice/keyservice/main/';

describe('helm-chart/Chart.yaml, as Artifact Hub reads it', () => {
  it('has an icon that is a file of this repository', () => {
    expect(chart.icon.startsWith(REPOSITORY_FILE)).toBe(true);
    expect(existsSync(new URL(`../../${chart.icon.slice(REPOSITORY_FILE.length)}`, import.meta.url))).toBe(true);
  });

  it('names its maintainers and the license of package.json', () => {
    expect(chart.maintainers?.length).toBeGreaterThan(0);
    expect(chart.annotations['artifacthub.io/license']).toBe((JSON.parse(read('package.json')) as { license: string }).license);
  });

  it('lists exactly the images values.yaml runs, at the appVersion', () => {
    expect(annotation<{ image: string }[]>('images').map((entry) => entry.image).sort()).toEqual(
      [values.operator.image.repository, values.server.image.repository].map((repository) => `${repository}:${chart.appVersion}`).sort(),
    );
  });

  it('lists its changes with the kinds Artifact Hub knows', () => {
    const kinds = annotation<{ kind: string; description: string }[]>('changes').map((change) => change.kind);
    expect(kinds.length).toBeGreaterThan(0);
    expect(kinds.filter((kind) => !['added', 'changed', 'deprecated', 'removed', 'fixed', 'security'].includes(kind))).toEqual([]);
  });

  it('describes the CRD it installs, and an example that the CRD names', () => {
    const crd = parse(read('crds/keyservice.io_keyservices.yaml')) as { metadata: { name: string }; spec: { names: { kind: string } } };
    expect(annotation<{ name: string; kind: string }[]>('crds')).toEqual([
      expect.objectContaining({ name: crd.metadata.name, kind: crd.spec.names.kind }),
    ]);
    expect(annotation<{ kind: string }[]>('crdsExamples').map((example) => example.kind)).toEqual([crd.spec.names.kind]);
  });
});
