import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitConnectionsToLimit, readOpenFilesLimit } from '../src/open-files.js';

describe('fitConnectionsToLimit', () => {
  it.each([
    [1000, undefined, 1000],
    [1000, 1_048_576, 1000],
    [1000, 256, 128],
    [1000, 100, 1],
    [50, 256, 50],
  ])('caps --max-connections %i under an open-files limit of %p at %i', (requested, limit, expected) => {
    expect(fitConnectionsToLimit(requested, limit)).toBe(expected);
  });
});

describe('readOpenFilesLimit', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'key-server-limits-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the soft limit from a /proc limits file', () => {
    const file = join(dir, 'limits');
    writeFileSync(file, 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            256                  524288               files\n');
    expect(readOpenFilesLimit(file)).toBe(256);
  });

  it('is undefined for an unlimited soft limit or a file it cannot read', () => {
    const file = join(dir, 'unlimited');
    writeFileSync(file, 'Max open files            unlimited            unlimited            files\n');
    expect([readOpenFilesLimit(file), readOpenFilesLimit(join(dir, 'absent'))]).toEqual([undefined, undefined]);
  });

  it('reads this process\'s own limit on Linux', () => {
    expect(readOpenFilesLimit()).toBeGreaterThan(0);
  });
});
