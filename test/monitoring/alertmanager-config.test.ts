import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CONFIG = fileURLToPath(new URL('../../monitoring/alertmanager.yml', import.meta.url));
const amtool = (...args: string[]) => spawnSync('amtool', args, { encoding: 'utf8' });

describe('monitoring/alertmanager.yml', () => {
  it('passes amtool check-config', () => {
    const result = amtool('check-config', CONFIG);
    expect(result.error).toBeUndefined();
    expect([result.status, result.stdout]).toEqual([0, expect.stringContaining('SUCCESS') as unknown]);
  });

  it.each([
    ['alertname=KeyServiceDown', 'severity=critical', 'keyservice-page'],
    ['alertname=KeyServiceHighErrorRate', 'severity=critical', 'keyservice-page'],
    ['alertname=KeyServiceKeySizeNearLimit', 'severity=warning', 'keyservice-ticket'],
    ['alertname=KeyServiceKeySizeNearLimit', 'severity=info', 'discard'],
    ['alertname=NodeDown', 'severity=critical', 'discard'],
  ])('routes %s %s to %s', (alertname, severity, receiver) => {
    const result = amtool('config', 'routes', 'test', `--config.file=${CONFIG}`, `--verify.receivers=${receiver}`, alertname, severity);
    expect([result.status, result.stdout.trim()]).toEqual([0, receiver]);
  });
});
