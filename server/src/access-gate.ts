import type { IncomingMessage } from 'node:http';
import type { ApiKeyStore } from './api-keys.js';
import { HttpError } from './http-error.js';
import type { ServerMetrics } from './metrics.js';
import type { RateLimiter } from './rate-limit.js';

export type AccessGate = (req: IncomingMessage) => void;

const AUTH_MESSAGES = {
  missing_key: 'an API key is required: send Authorization: Bearer <key> or X-API-Key: <key>',
  invalid_key: 'the API key is not valid',
  malformed_authorization: 'the Authorization header must be "Bearer <key>"',
} as const;

/**
 * Who may draw keys: with an API key store, a valid key (401 otherwise); with a rate limiter, at most its rate per
 * client, the client being the key when there is one and the address otherwise (429 with Retry-After).
 * Undefined when neither is configured, so the hot path pays nothing.
 */
export function createAccessGate(options: {
  apiKeys: ApiKeyStore | undefined;
  rateLimiter: RateLimiter | undefined;
  rateLimit: number;
  metrics: ServerMetrics;
}): AccessGate | undefined {
  const { apiKeys, rateLimiter, metrics } = options;
  if (apiKeys === undefined && rateLimiter === undefined) return undefined;
  return (req) => {
    let client = `address:${req.socket.remoteAddress ?? 'unknown'}`;
    if (apiKeys !== undefined) {
      const result = apiKeys.authenticate(req.headers);
      if (!result.ok) {
        metrics.countRejection(result.reason);
        const error = result.reason === 'missing_key' ? '' : ', error="invalid_token"';
        throw new HttpError(401, result.reason, AUTH_MESSAGES[result.reason], {}, {
          'WWW-Authenticate': `Bearer realm="key-server"${error}`,
        });
      }
      client = result.client;
    }
    const retryAfter = rateLimiter?.take(client) ?? 0;
    if (retryAfter > 0) {
      metrics.countRejection('rate_limited');
      throw new HttpError(
        429,
        'rate_limited',
        `rate limit of ${options.rateLimit} key requests per second exceeded; retry after ${retryAfter} s`,
        { allowed: `${options.rateLimit} per second` },
        { 'Retry-After': String(retryAfter) },
      );
    }
  };
}
