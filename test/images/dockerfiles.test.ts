import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_ENTRY } from '../../server/test/server-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const hadolint = execFileSync('bash', ['tools/ensure-hadolint.sh'], { cwd: ROOT, encoding: 'utf8' }).trim();

/** The last instruction of a kind, as a Dockerfile reads (later ones win). */
function lastInstruction(dockerfile: string, name: string): string {
  const lines = dockerfile.split('\n').filter((line) => line.startsWith(`${name} `));
  return (lines.at(-1) ?? '').slice(name.length + 1);
}

describe('Dockerfile.server', () => {
  const dockerfile = readFileSync(`${ROOT}Dockerfile.server`, 'utf8');

  it('passes hadolint with no finding at all', () => {
    const result = spawnSync(hadolint, ['--failure-threshold', 'style', 'Dockerfile.server'], { cwd: ROOT, encoding: 'utf8' });
    expect({ status: result.status, output: result.stdout + result.stderr }).toEqual({ status: 0, output: '' });
  });

  it('runs the very entry point the process tests start, with flags appended', () => {
    const [node, entry, ...rest] = JSON.parse(lastInstruction(dockerfile, 'ENTRYPOINT')) as string[];
    expect([node, entry, rest]).toEqual(['/nodejs/bin/node', relative(ROOT, SERVER_ENTRY), []]);
    expect(lastInstruction(dockerfile, 'CMD')).toBe('');
  });

  it('runs as a numeric non-root user on a Node 24 base', () => {
    expect(lastInstruction(dockerfile, 'USER')).toBe('65532:65532');
    expect(lastInstruction(dockerfile, 'FROM')).toBe('gcr.io/distroless/nodejs24-debian12:nonroot');
  });

  it('builds with the same command as the test suite and ships production dependencies only', () => {
    expect(dockerfile).toContain('RUN npm run build && npm prune --omit=dev');
  });
});
