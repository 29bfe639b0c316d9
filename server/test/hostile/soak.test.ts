import { jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { rssKeepsGrowing } from '../../../bench/server-soak.js';

jest.setTimeout(90_000);

const SOAK = fileURLToPath(new URL('../../../bench/server-soak.ts', import.meta.url));

/**
 * `npm run soak:server`, cut to 40 seconds so every test run has it: long enough for the judged part (after the
 * first 40%) to start once RSS has reached its working size, which takes 10 to 15 s on a loaded 2-core machine.
 */
describe('a short soak of mixed keys, slow readers and bad requests', () => {
  it('fails no request, keeps RSS from growing, and ends with exit 0', async () => {
    const child = spawn(process.execPath, [SOAK, '--duration', '40'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    process.stdout.write(`soak: ${output}`);
    const report = JSON.parse(output) as { requests: number; errors: number; rssKeepsGrowing: boolean; serverExitCode: number };
    expect({ code, errors: report.errors, rssKeepsGrowing: report.rssKeepsGrowing, serverExitCode: report.serverExitCode }).toEqual({
      code: 0,
      errors: 0,
      rssKeepsGrowing: false,
      serverExitCode: 0,
    });
    expect(report.requests).toBeGreaterThan(100);
  });
});

describe('rssKeepsGrowing', () => {
  const MIB = 1_048_576;
  const ramp = (from: number, step: number, count: number) => Array.from({ length: count }, (_, i) => (from + step * i) * MIB);

  it('is true for RSS that climbs through the whole run', () => {
    expect(rssKeepsGrowing(ramp(80, 2, 60))).toBe(true);
  });

  it('is false for RSS that warms up and then holds', () => {
    expect(rssKeepsGrowing([...ramp(80, 10, 10), ...Array.from({ length: 50 }, (_, i) => (180 + (i % 3)) * MIB)])).toBe(false);
  });

  it('is false for RSS that ramps into the judged part and then holds, creeping by a megabyte or two', () => {
    // The judged windows' medians: 185, 216 and 219 MiB; 34 MiB in all, but the last step is a creep.
    const samples = [...ramp(84, 3.5, 24), ...ramp(173, 2, 12), ...ramp(214, 0.4, 12), ...ramp(218.5, 0.05, 14)];
    expect(rssKeepsGrowing(samples)).toBe(false);
  });

  it('is false for a slow climb of less than 32 MiB in all', () => {
    expect(rssKeepsGrowing(ramp(80, 0.25, 60))).toBe(false);
  });
});
