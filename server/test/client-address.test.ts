import type { IncomingMessage } from 'node:http';
import { clientAddressResolver, parseTrustedProxies } from '../src/client-address.js';

const request = (remoteAddress: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

describe('parseTrustedProxies', () => {
  it.each(['10.0.0.0/8', '192.0.2.7', '10.0.0.0/8, 2001:db8::/32', '::1'])('accepts %j', (value) => {
    expect(parseTrustedProxies(value)).toBeDefined();
  });

  it.each(['', 'proxy.local', '10.0.0.0/33', '2001:db8::/129', '10.0.0.0/', '10.0.0.0/8,,192.0.2.7', '999.1.1.1'])('refuses %j', (value) => {
    expect(parseTrustedProxies(value)).toBeUndefined();
  });
});

describe('clientAddressResolver', () => {
  describe('without trusted proxies (the default)', () => {
    const addressOf = clientAddressResolver(undefined);

    it('takes the peer address and ignores X-Forwarded-For, which any client can write', () => {
      expect(addressOf(request('192.0.2.1', '203.0.113.9'))).toBe('192.0.2.1');
    });

    it('reads an IPv4 peer on a dual-stack socket as IPv4', () => {
      expect(addressOf(request('::ffff:192.0.2.1'))).toBe('192.0.2.1');
    });
  });

  describe('with --trusted-proxies 10.0.0.0/8', () => {
    const addressOf = clientAddressResolver(parseTrustedProxies('10.0.0.0/8'));

    it.each([
      ['a trusted proxy naming the client', '10.1.2.3', '203.0.113.9', '203.0.113.9'],
      ['a chain of trusted proxies, read from the right', '10.1.2.3', '198.51.100.4, 203.0.113.9, 10.9.9.9', '203.0.113.9'],
      ['an untrusted peer, whatever it forwards', '192.0.2.1', '203.0.113.9', '192.0.2.1'],
      ['a trusted proxy forwarding garbage', '10.1.2.3', 'not-an-address', '10.1.2.3'],
      ['a trusted proxy without the header', '10.1.2.3', undefined, '10.1.2.3'],
    ])('with %s', (_what, peer, forwardedFor, client) => {
      expect(addressOf(request(peer, forwardedFor))).toBe(client);
    });
  });
});
