import { ApiKeyStore, parseApiKeys } from '../src/api-keys.js';

const KEY_A = 'a'.repeat(16) + '-first-key';
const KEY_B = 'b'.repeat(16) + '-second-key';

describe('parseApiKeys', () => {
  it('reads one key per line, skipping blanks and comments', () => {
    expect(parseApiKeys(`# rotated 2026-11-24\n${KEY_A}\n\n  ${KEY_B}  \r\n`)).toEqual({ keys: [KEY_A, KEY_B], problems: [] });
  });

  it('names the line of a short key or one with spaces, never the key', () => {
    const { keys, problems } = parseApiKeys(`${KEY_A}\nshort\nhas a space in it ok\n`);
    expect(keys).toEqual([KEY_A]);
    expect(problems).toEqual([
      'line 2: a key needs at least 16 characters',
      'line 3: a key may hold only printable ASCII without spaces',
    ]);
  });
});

describe('ApiKeyStore.authenticate', () => {
  const store = new ApiKeyStore();
  store.replace([KEY_A, KEY_B]);

  it.each([
    [{ authorization: `Bearer ${KEY_A}` }],
    [{ authorization: `bearer ${KEY_B}` }],
    [{ 'x-api-key': KEY_B }],
  ])('accepts %j', (headers) => {
    expect(store.authenticate(headers)).toMatchObject({ ok: true });
  });

  it('names the client by a digest of its key, not the key', () => {
    const result = store.authenticate({ authorization: `Bearer ${KEY_A}` });
    expect(result).toEqual({ ok: true, client: expect.stringMatching(/^key:[0-9a-f]{16}$/) as unknown });
    expect(JSON.stringify(result)).not.toContain(KEY_A);
  });

  it.each([
    [{}, 'missing_key'],
    [{ 'x-api-key': '' }, 'missing_key'],
    [{ authorization: `Bearer ${KEY_A}x` }, 'invalid_key'],
    [{ 'x-api-key': KEY_A.slice(1) }, 'invalid_key'],
    [{ authorization: `Basic ${KEY_A}` }, 'malformed_authorization'],
    [{ authorization: 'Bearer' }, 'malformed_authorization'],
  ])('refuses %j as %s', (headers, reason) => {
    expect(store.authenticate(headers)).toEqual({ ok: false, reason });
  });

  it('refuses a key once it is replaced', () => {
    const rotating = new ApiKeyStore();
    rotating.replace([KEY_A]);
    rotating.replace([KEY_B]);
    expect(rotating.authenticate({ 'x-api-key': KEY_A })).toEqual({ ok: false, reason: 'invalid_key' });
    expect(rotating.authenticate({ 'x-api-key': KEY_B })).toMatchObject({ ok: true });
  });
});
