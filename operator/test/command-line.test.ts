import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VERSION = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string }).version;

/** The built programs, as the images run them. */
const run = (program: 'operator' | 'server', args: string[]) => {
  const result = spawnSync(process.execPath, [`dist/${program}/src/main.js`, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};

describe('the operator command line, beside the key server\'s', () => {
  it('prints its version with --version, as the key server does', () => {
    expect(run('operator', ['--version'])).toEqual({ status: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect(run('server', ['--version']).stdout).toBe(`${VERSION}\n`);
  });

  it('refuses an unknown flag with one line in the key server\'s format and exit code 2', () => {
    const operator = run('operator', ['--bogus']);
    const server = run('server', ['--bogus']);
    expect(operator).toEqual({ status: 2, stdout: '', stderr: 'keyservice-operator: unknown argument "--bogus"; run with --help to see the flags\n' });
    expect(server.stderr.replace('key-server:', 'keyservice-operator:')).toBe(operator.stderr);
  });

  it('refuses render -f of a missing file with one line naming it, and no stack trace', () => {
    expect(run('operator', ['render', '-f', 'missing.yaml'])).toEqual({
      status: 2,
      stdout: '',
      stderr: 'keyservice-operator: render: cannot read -f missing.yaml: ENOENT\n',
    });
  });

  it('documents --identity and --version in --help', () => {
    const help = run('operator', ['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--identity\s+this candidate's name in the Lease/);
    expect(help.stdout).toMatch(/--version\s+print the version and exit/);
  });
});
