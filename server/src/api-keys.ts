import { createHash } from 'node:crypto';
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

const digestOf = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * Holds SHA-256 digests of the accepted keys in a map, so a lookup costs the same with ten keys or a million.
 * Looking up a digest, not the key, leaks nothing useful through timing: an attacker who learns how a guess's
 * digest compares learns nothing about any key's characters.
 */
export class ApiKeyStore {
  private digests = new Set<string>();

  replace(keys: readonly string[]): void {
    this.digests = new Set(keys.map(digestOf));
  }

  get size(): number {
    return this.digests.size;
  }

  /** Reads `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
  authenticate(headers: IncomingHttpHeaders): AuthResult {
    const presented = presentedKey(headers);
    if (presented === undefined) return { ok: false, reason: 'missing_key' };
    if (presented === null) return { ok: false, reason: 'malformed_authorization' };
    const candidate = digestOf(presented);
    if (!this.digests.has(candidate)) return { ok: false, reason: 'invalid_key' };
    // The client's identity for rate limiting: a digest prefix, so the key itself is never kept or logged.
    return { ok: true, client: `key:${candidate.slice(0, 16)}` };
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
