import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('the alerts about the operator itself (helm-chart/rules/operator.rules.yaml)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'operator-rules-'));
    copyFileSync(join(ROOT, 'helm-chart/rules/operator.rules.yaml'), join(dir, 'operator.rules.yaml'));
    copyFileSync(join(ROOT, 'monitoring/tests/operator-rules.test.yaml'), join(dir, 'operator-rules.test.yaml'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pass promtool check rules', () => {
    const result = spawnSync('promtool', ['check', 'rules', join(dir, 'operator.rules.yaml')], { encoding: 'utf8' });
    expect([result.status, result.stdout]).toEqual([0, expect.stringContaining('SUCCESS: 3 rules found') as unknown]);
  });

  it('pass promtool test rules: reconcile errors, a backlog but not a burst, no leader and no operator at all', () => {
    const result = spawnSync('promtool', ['test', 'rules', join(dir, 'operator-rules.test.yaml')], { encoding: 'utf8' });
    expect({ status: result.status, output: result.stdout + result.stderr }).toEqual({
      status: 0,
      output: expect.stringContaining('SUCCESS') as unknown,
    });
  });
});
