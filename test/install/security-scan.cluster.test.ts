import { jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterTool, kubectl, ROOT } from '../cluster/kube-test-env.js';

jest.setTimeout(120_000);

interface CheckovReport {
  summary: { passed: number; failed: number; skipped: number };
  results: { failed_checks: { check_id: string; resource: string }[] };
}

describe('checkov on the rendered chart and the kustomize base', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'scan-'));
    for (const file of readdirSync(join(ROOT, 'helm-chart/ci'))) {
      const rendered = clusterTool('helm', ['template', 'key-service', join(ROOT, 'helm-chart'), '-n', 'keys', '-f', join(ROOT, 'helm-chart/ci', file)]);
      writeFileSync(join(dir, `chart-${file}`), rendered.stdout);
    }
    writeFileSync(join(dir, 'manifests.yaml'), kubectl(['kustomize', join(ROOT, 'manifests')]));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds nothing: every exception is an annotation on its resource with its reason', () => {
    const checkov = execFileSync('bash', ['tools/ensure-checkov.sh'], { cwd: ROOT, encoding: 'utf8' }).trim();
    // --skip-download: the scan runs offline, with the checks that ship in the package.
    const result = spawnSync(checkov, ['-d', dir, '--framework', 'kubernetes', '--skip-download', '--quiet', '-o', 'json'], {
      encoding: 'utf8',
    });
    const report = JSON.parse(result.stdout) as CheckovReport;
    expect(report.results.failed_checks.map((check) => `${check.check_id} ${check.resource}`)).toEqual([]);
    expect(report.summary.failed).toBe(0);
    expect(report.summary.passed).toBeGreaterThan(300);
  });
});
