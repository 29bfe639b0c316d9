import type { IncomingMessage } from 'node:http';
import type { ApiKeyStore } from './api-keys.js';
import { clientAddressResolver, type ClientAddressOf } from './client-address.js';
import type { FailedAttemptLimiter } from './failed-attempts.js';
import { HttpError } from './http-error.js';
import type { ServerMetrics } from './metrics.js';
import type { RateLimiter } from './rate-limit.js';

export type AccessGate = (req: IncomingMessage) => void;

const AUTH_MESSAGES = {
  missing_key: 'an API key is required: send Authorization: Bearer <key> or X-API-Key: <key>',
  invalid_key: 'the API key is not valid',
  malformed_authorization: 'the Authorization header must be "Bearer <key>"',
} as const;

export interface AccessGateOptions {
  apiKeys: ApiKeyStore | undefined;
  /** Counts failed authentications per address; always present with API keys, whatever --rate-limit says. */
  failedAttempts?: FailedAttemptLimiter;
  rateLimiter: RateLimiter | undefined;
  rateLimit: number;
  /** Defaults to the socket's peer address. */
  clientAddress?: ClientAddressOf;
  metrics: ServerMetrics;
}

/**
 * Who may draw keys: with an API key store, a valid key (401 otherwise) from an address that has not failed too often
 * (429 too_many_failed_attempts); with a rate limiter, at most its rate per client, the client being the key when
 * there is one and the address otherwise (429 rate_limited). Undefined when neither is configured, so the hot path
 * pays nothing.
 */
export function createAccessGate(options: AccessGateOptions): AccessGate | undefined {
  const { apiKeys, rateLimiter, metrics } = options;
  if (apiKeys === undefined && rateLimiter === undefined) return undefined;
  const clientAddress = options.clientAddress ?? clientAddressResolver(undefined);
  return (req) => {
    const address = clientAddress(req);
    let client = `address:${address}`;
    if (apiKeys !== undefined) {
      client = authenticate(req, address, apiKeys, options);
    }
    const retryAfter = rateLimiter?.take(client) ?? 0;
    if (retryAfter > 0) {
      metrics.countRejection('rate_limited');
      throw new HttpError(
        'rate_limited',
        `rate limit of ${options.rateLimit} key requests per second exceeded; retry after ${retryAfter} s`,
        { allowed: `${options.rateLimit} per second` },
        { 'Retry-After': String(retryAfter) },
      );
    }
  };
}

/** The client's identity when its key is valid; throws the 401 or 429 otherwise. */
function authenticate(req: IncomingMessage, address: string, apiKeys: ApiKeyStore, options: AccessGateOptions): string {
  const blockedFor = options.failedAttempts?.retryAfter(address) ?? 0;
  if (blockedFor > 0) {
    options.metrics.countRejection('too_many_failed_attempts');
    throw new HttpError(
      'too_many_failed_attempts',
      `too many failed API key attempts from this address; retry after ${blockedFor} s`,
      {},
      { 'Retry-After': String(blockedFor) },
    );
  }
  const result = apiKeys.authenticate(req.headers);
  if (result.ok) return result.client;
  // A request with no key at all is not a guess; a wrong or malformed one is.
  if (result.reason !== 'missing_key') options.failedAttempts?.recordFailure(address);
  options.metrics.countRejection(result.reason);
  const error = result.reason === 'missing_key' ? '' : ', error="invalid_token"';
  throw new HttpError(result.reason, AUTH_MESSAGES[result.reason], {}, {
    'WWW-Authenticate': `Bearer realm="key-server"${error}`,
  });
}
