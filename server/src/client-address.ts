import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** The client's address as rate limiting and failed-attempt counting see it. */
export type ClientAddressOf = (req: IncomingMessage) => string;

/** `10.0.0.0/8`, `192.0.2.7`, `2001:db8::/32`: the forms `--trusted-proxies` accepts, comma separated. */
export function parseTrustedProxies(value: string): BlockList | undefined {
  const list = new BlockList();
  for (const entry of value.split(',').map((part) => part.trim())) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    if (family === 0) return undefined;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) {
      list.addAddress(address, type);
      continue;
    }
    const bits = /^[0-9]{1,3}$/.test(prefix) ? Number(prefix) : -1;
    if (bits < 0 || bits > (family === 4 ? 32 : 128)) return undefined;
    list.addSubnet(address, bits, type);
  }
  return list;
}

/** `::ffff:192.0.2.7` (an IPv4 client on a dual-stack socket) becomes `192.0.2.7`, so IPv4 rules match it. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * The socket's peer address, unless that peer is a trusted proxy: then X-Forwarded-For is read from the right,
 * skipping trusted hops, and the first untrusted address is the client. Without trusted proxies the header is
 * ignored, since any client can write it.
 */
export function clientAddressResolver(trusted: BlockList | undefined): ClientAddressOf {
  const isTrusted = (address: string) => trusted?.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4') ?? false;
  return (req) => {
    let client = plainAddress(req.socket.remoteAddress ?? 'unknown');
    if (!isTrusted(client)) return client;
    const forwarded = req.headers['x-forwarded-for'];
    const hops = (typeof forwarded === 'string' ? forwarded : '').split(',').map((hop) => plainAddress(hop.trim()));
    for (const hop of hops.reverse()) {
      if (isIP(hop) === 0) return client;
      client = hop;
      if (!isTrusted(hop)) return client;
    }
    return client;
  };
}
