import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { buildRuleGroups } from '../../operator/src/desired/prometheus-rule.js';
import { keyService } from '../../operator/test/fixtures.js';

/** Where the default runbookBaseUrl points: this repository's main branch, as GitHub shows it. */
const REPOSITORY_BLOB = 'https://github.com/keyservice/keyservice/blob/main/';
const RUNBOOKS = new URL('../../docs/runbooks/', import.meta.url);
const SECTIONS = ['## Impact', '## Diagnosis', '## Mitigation'];

interface Rule {
  alert: string;
  annotations: { runbook_url: string };
}
const operatorRules = (parse(readFileSync(new URL('../../helm-chart/rules/operator.rules.yaml', import.meta.url), 'utf8')) as { groups: { rules: Rule[] }[] })
  .groups.flatMap((group) => group.rules);
/** The KeyService's alerts (as the operator renders them with the default runbookBaseUrl) and the operator's own. */
const rules: Rule[] = [...buildRuleGroups(keyService()).flatMap((group) => group.rules), ...operatorRules];

describe('runbooks (docs/runbooks/<Alert>.md)', () => {
  it.each(rules.map((rule) => [rule.alert, rule.annotations.runbook_url]))('%s links %s, a file of this repository', (alert, url) => {
    expect(url.startsWith(REPOSITORY_BLOB)).toBe(true);
    const file = new URL(`../../${url.slice(REPOSITORY_BLOB.length)}`, import.meta.url);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe(`# ${alert}`);
  });

  it.each(rules.map((rule) => rule.alert))('%s: the runbook says what it means, its impact, how to diagnose and mitigate', (alert) => {
    const text = readFileSync(new URL(`${alert}.md`, RUNBOOKS), 'utf8');
    expect(SECTIONS.filter((section) => !text.includes(`\n${section}\n`))).toEqual([]);
    expect(text).toMatch(/\*\*Fires when\*\*/);
    expect(text).toMatch(/```promql\n/);
    expect(text).toMatch(/```sh\nkubectl /);
  });

  it('has no runbook for an alert that does not exist', () => {
    expect(readdirSync(RUNBOOKS).sort()).toEqual(rules.map((rule) => `${rule.alert}.md`).sort());
  });
});
