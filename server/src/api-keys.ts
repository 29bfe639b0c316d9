import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Why a request was refused: the label of `key_requests_rejected_total`, never the key itself. */
export type AuthFailure = 'missing_key' | 'invalid_key' | 'malformed_authorization';
export type AuthResult = { ok: true; client: string } | { ok: false; reason: AuthFailure };

const MIN_KEY_LENGTH = 16;
const KEY_CHARS = /^[\x21-\x7e]+$/;

/**
 * The API keys file: one key per line, printable ASCII without spaces, at least 16 characters; blank lines and
 * lines starting with `#` are ignored. Errors name the line, never the key.
 */
export function parseApiKeys(text: string): { keys: string[]; problems: string[] } {
  const keys: string[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (!KEY_CHARS.test(line)) problems.push(`line ${index + 1}: a key may hold only printable ASCII without spaces`);
    else if (line.length < MIN_KEY_LENGTH) problems.push(`line ${index + 1}: a key needs at least ${MIN_KEY_LENGTH} characters`);
    else keys.push(line);
  });
  return { keys, problems };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Holds digests of the accepted keys; compares in constant time, whichever key (if any) matches. */
export class ApiKeyStore {
  private digests: Buffer[] = [];

  replace(keys: readonly string[]): void {
    this.digests = keys.map(digest);
  }

  get size(): number {
    return this.digests.length;
  }

  /** Reads `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
  authenticate(headers: IncomingHttpHeaders): AuthResult {
    const presented = presentedKey(headers);
    if (presented === undefined) return { ok: false, reason: 'missing_key' };
    if (presented === null) return { ok: false, reason: 'malformed_authorization' };
    const candidate = digest(presented);
    let matched = false;
    // Every stored digest is compared, so the time taken does not tell which key, or how much of one, matched.
    for (const stored of this.digests) matched = timingSafeEqual(stored, candidate) || matched;
    if (!matched) return { ok: false, reason: 'invalid_key' };
    // The client's identity for rate limiting: a digest prefix, so the key itself is never kept or logged.
    return { ok: true, client: `key:${candidate.subarray(0, 8).toString('hex')}` };
  }
}

/** undefined when no credential is sent; null when an Authorization header is not a Bearer token. */
function presentedKey(headers: IncomingHttpHeaders): string | undefined | null {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    return match?.[1] ?? null;
  }
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '') return apiKey.trim();
  return undefined;
}
