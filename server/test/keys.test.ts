import { drawFromOs, encodeKey, SYNC_DRAW_LIMIT } from '../src/keys.js';

describe('encodeKey', () => {
  const bytes = Buffer.from([0x00, 0xfb, 0xff, 0x10]);

  it.each([
    ['hex', '00fbff10', 'text/plain; charset=utf-8'],
    ['base64', 'APv/EA==', 'text/plain; charset=utf-8'],
    ['base64url', 'APv_EA', 'text/plain; charset=utf-8'],
  ] as const)('encodes %s', (encoding, body, contentType) => {
    expect(encodeKey(bytes, encoding)).toEqual({ body, contentType });
  });

  it('passes raw bytes through as application/octet-stream', () => {
    expect(encodeKey(bytes, 'raw')).toEqual({ body: bytes, contentType: 'application/octet-stream' });
  });
});

describe('drawFromOs', () => {
  it('draws small keys synchronously, with the asked length', () => {
    const drawn = drawFromOs(32);
    expect(Buffer.isBuffer(drawn) && drawn.length).toBe(32);
  });

  it('draws large keys off the event loop, with the asked length', async () => {
    const drawn = drawFromOs(SYNC_DRAW_LIMIT + 1);
    expect(drawn).toBeInstanceOf(Promise);
    expect((await drawn).length).toBe(SYNC_DRAW_LIMIT + 1);
  });

  it('never repeats a 16-byte key in 10 000 draws', () => {
    const seen = new Set(Array.from({ length: 10_000 }, () => (drawFromOs(16) as Buffer).toString('hex')));
    expect(seen.size).toBe(10_000);
  });
});
