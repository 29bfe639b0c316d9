import fc from 'fast-check';
import { startApp, type RunningApp } from './app-harness.js';
import { rawRequest } from './http-client.js';

const MAX_SIZE = 512;
/** Characters a request target may carry unescaped, plus `%` so that escapes (valid or not) appear too. */
const URL_CHARS = fc.constantFrom(...'0123456789abcdefxyzXYZ+-._~%!$&\'()*,;=:@/?'.split(''));

describe('the key API, fed random path segments', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ maxSize: MAX_SIZE });
  });
  afterAll(() => app.close());

  it('only ever answers 200 with the right length, or a 4xx', async () => {
    const segment = fc.oneof(
      fc.string({ unit: URL_CHARS, maxLength: 12 }),
      fc.integer({ min: -10, max: MAX_SIZE * 3 }).map(String),
    );
    await fc.assert(
      fc.asyncProperty(segment, async (value) => {
        const res = await rawRequest(app.port, `/key/${value}`);
        // What follows a `?` is the query, so the length is what comes before it (`2?` asks for 2 bytes).
        const length = value.split('?')[0] ?? '';
        if (res.status === 200) {
          expect(/^[0-9]+$/.test(length)).toBe(true);
          expect(res.text).toHaveLength(Number(length) * 2);
        } else {
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
        }
      }),
      { numRuns: 500 },
    );
  });
});
