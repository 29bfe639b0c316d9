import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const rbacFiles = ['manifests/rbac', 'manifests/rbac-namespaced'].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f !== 'kustomization.yaml')
    .sort()
    .map((f) => `${dir}/${f}`),
);
const rules: Rule[] = rbacFiles.flatMap((file) => (parse(readFileSync(file, 'utf8')) as { rules?: Rule[] }).rules ?? []);

const componentDir = 'manifests/components/secrets-access';
const componentRules: Rule[] = readdirSync(componentDir)
  .filter((f) => f !== 'kustomization.yaml')
  .flatMap((f) => (parse(readFileSync(`${componentDir}/${f}`, 'utf8')) as { rules?: Rule[] }).rules ?? []);

describe('the operator RBAC in manifests/', () => {
  it('uses no wildcard and grants nothing on Secrets by default', () => {
    const granted = rules.flatMap((r) => [...r.apiGroups, ...r.resources, ...r.verbs]);
    expect([granted.includes('*'), rules.filter((r) => r.resources.includes('secrets'))]).toEqual([false, []]);
  });

  it('grants Secrets, and nothing else, in the secrets-access component (for spec.auth)', () => {
    expect(componentRules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'] }]);
  });

  it('grants exactly what the operator uses', () => {
    expect(rules.map((r) => `${r.apiGroups.join(',')}|${r.resources.join(',')}|${r.verbs.join(',')}`)).toEqual([
      'keyservice.io|keyservices|get,list,watch',
      'keyservice.io|keyservices/status|get,patch,update',
      'keyservice.io|keyservices/finalizers|update',
      'apps|deployments|get,list,watch,create,patch,update,delete',
      '|services,configmaps|get,list,watch,create,patch,update,delete',
      'autoscaling|horizontalpodautoscalers|get,list,watch,create,patch,update,delete',
      'policy|poddisruptionbudgets|get,list,watch,create,patch,update,delete',
      'networking.k8s.io|networkpolicies|get,list,watch,create,patch,update,delete',
      'monitoring.coreos.com|servicemonitors,prometheusrules,alertmanagerconfigs|get,list,watch,create,patch,update,delete',
      '|events|create,patch',
      'coordination.k8s.io|leases|get,create,update',
    ]);
  });
});
