import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_ENTRY } from '../../server/test/server-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const hadolint = execFileSync('bash', ['tools/ensure-hadolint.sh'], { cwd: ROOT, encoding: 'utf8' }).trim();
const scripts = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;

/** The last instruction of a kind, as a Dockerfile reads (later ones win). */
function lastInstruction(dockerfile: string, name: string): string {
  const lines = dockerfile.split('\n').filter((line) => line.startsWith(`${name} `));
  return (lines.at(-1) ?? '').slice(name.length + 1);
}

describe.each([
  // The server's entry is the one the process tests start; the operator's is the one `npm run operator` runs.
  ['Dockerfile.server', relative(ROOT, SERVER_ENTRY), 'server/src'],
  ['Dockerfile.operator', /node (\S+)$/.exec(scripts.operator ?? '')?.[1], 'operator/src'],
])('%s', (file, entry, sources) => {
  const dockerfile = readFileSync(`${ROOT}${file}`, 'utf8');

  it('passes hadolint with no finding at all', () => {
    const result = spawnSync(hadolint, ['--failure-threshold', 'style', file], { cwd: ROOT, encoding: 'utf8' });
    expect({ status: result.status, output: result.stdout + result.stderr }).toEqual({ status: 0, output: '' });
  });

  it(`runs ${entry} with node as PID 1, arguments appended`, () => {
    expect(JSON.parse(lastInstruction(dockerfile, 'ENTRYPOINT'))).toEqual(['/nodejs/bin/node', entry]);
    expect(lastInstruction(dockerfile, 'CMD')).toBe('');
  });

  it('runs as a numeric non-root user on a distroless Node 24 base by default, the bases being build arguments', () => {
    expect(lastInstruction(dockerfile, 'USER')).toBe('65532:65532');
    expect(lastInstruction(dockerfile, 'FROM')).toBe('${RUNTIME_IMAGE}');
    expect(dockerfile).toContain('\nARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot\n');
    expect(dockerfile).toContain('\nARG BUILD_IMAGE=node:24-bookworm-slim\n');
  });

  it('builds its sources with the test suite\'s build command and ships production dependencies only', () => {
    expect(dockerfile).toContain(`COPY ${sources} ${sources}`);
    expect(dockerfile).toMatch(/\nRUN npm run build && (.* && )?npm prune --omit=dev\n/);
  });

  it('carries the OCI title, version and licence labels', () => {
    expect(dockerfile).toMatch(/org\.opencontainers\.image\.title="[a-z-]+"/);
    expect(dockerfile).toContain('org.opencontainers.image.version="${VERSION}"');
    expect(dockerfile).toContain('org.opencontainers.image.licenses="Apache-2.0"');
  });
});
