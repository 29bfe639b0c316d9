import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '../src/error-codes.js';

describe('the error code catalogue', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const table = readme.slice(readme.indexOf('| status | when | code |'), readme.indexOf('## Configuration'));

  it.each(Object.entries(ERROR_CODES))('lists %s with status %i in the README', (code, status) => {
    const row = table.split('\n').find((line) => line.includes(`\`${code}\``));
    expect(row?.startsWith(`| ${status} |`)).toBe(true);
  });

  it('lists no code in the README that the server does not have', () => {
    // Codes are lower-case words joined by underscores; headers and flags in the table have capitals or dashes.
    const listed = [...table.matchAll(/`([a-z_]+)`/g)].map((match) => match[1] ?? '');
    expect(listed.filter((name) => !(name in ERROR_CODES))).toEqual([]);
  });
});
