import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('the alert rules the operator renders (monitoring/tests)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rules-'));
    // The operator's own CLI, as a GitOps user or CI would run it: a plain Prometheus rules file.
    const rules = execFileSync(process.execPath, ['dist/operator/src/main.js', 'render', '-f', 'monitoring/tests/keyservice.yaml', '--rules'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    writeFileSync(join(dir, 'keyservice-rules.yaml'), rules);
    copyFileSync(join(ROOT, 'monitoring/tests/rules.test.yaml'), join(dir, 'rules.test.yaml'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pass promtool check rules', () => {
    const result = spawnSync('promtool', ['check', 'rules', join(dir, 'keyservice-rules.yaml')], { encoding: 'utf8' });
    expect([result.status, result.stdout]).toEqual([0, expect.stringContaining('SUCCESS: 4 rules found') as unknown]);
  });

  it('pass promtool test rules: fires, stays quiet, zero and low traffic, target gone, recovery', () => {
    const result = spawnSync('promtool', ['test', 'rules', join(dir, 'rules.test.yaml')], { encoding: 'utf8' });
    expect({ status: result.status, output: result.stdout + result.stderr }).toEqual({
      status: 0,
      output: expect.stringContaining('SUCCESS') as unknown,
    });
  });
});
