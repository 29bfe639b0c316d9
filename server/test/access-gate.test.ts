import { createAccessGate } from '../src/access-gate.js';
import { ApiKeyStore } from '../src/api-keys.js';
import { createMetrics } from '../src/metrics.js';
import { RateLimiter } from '../src/rate-limit.js';
import { startApp, type RunningApp } from './app-harness.js';
import { rawRequest } from './http-client.js';

const KEY = 'k'.repeat(24);

async function appWith(options: { keys?: string[]; rateLimit?: number }): Promise<RunningApp> {
  const metrics = createMetrics(1024, { defaultMetrics: false });
  const store = options.keys === undefined ? undefined : new ApiKeyStore();
  store?.replace(options.keys ?? []);
  const rateLimit = options.rateLimit ?? 0;
  const rateLimiter = rateLimit > 0 ? new RateLimiter(rateLimit) : undefined;
  return startApp({ metrics, gate: createAccessGate({ apiKeys: store, rateLimiter, rateLimit, metrics }) });
}

describe('createAccessGate', () => {
  it('is absent when neither keys nor a rate limit are configured', () => {
    const metrics = createMetrics(1024, { defaultMetrics: false });
    expect(createAccessGate({ apiKeys: undefined, rateLimiter: undefined, rateLimit: 0, metrics })).toBeUndefined();
  });
});

describe('the key API with --api-keys-file', () => {
  let app: RunningApp;
  beforeEach(async () => {
    app = await appWith({ keys: [KEY] });
  });
  afterEach(() => app.close());

  it('answers 401 with WWW-Authenticate when no key is sent', async () => {
    const res = await rawRequest(app.port, '/key/8');
    expect([res.status, res.headers['www-authenticate'], res.headers['cache-control']]).toEqual([
      401,
      'Bearer realm="key-server"',
      'no-store',
    ]);
    expect(JSON.parse(res.text)).toEqual({
      error: 'an API key is required: send Authorization: Bearer <key> or X-API-Key: <key>',
      code: 'missing_key',
    });
  });

  it('answers 401 with an invalid_token challenge to a wrong key', async () => {
    const res = await rawRequest(app.port, '/key/8', { headers: { Authorization: `Bearer ${KEY}x` } });
    expect([res.status, res.headers['www-authenticate'], JSON.parse(res.text)]).toEqual([
      401,
      'Bearer realm="key-server", error="invalid_token"',
      { error: 'the API key is not valid', code: 'invalid_key' },
    ]);
  });

  it.each<Record<string, string>>([{ Authorization: `Bearer ${KEY}` }, { 'X-API-Key': KEY }])('answers 200 to %j', async (headers) => {
    const res = await rawRequest(app.port, '/key/8', { headers });
    expect([res.status, res.text.length]).toEqual([200, 16]);
  });

  it('leaves /health and /ready open', async () => {
    expect((await rawRequest(app.port, '/health')).status).toBe(200);
    expect((await rawRequest(app.port, '/ready')).status).toBe(200);
  });

  it('counts rejections by reason and never puts a key in the metrics', async () => {
    await rawRequest(app.port, '/key/8');
    await rawRequest(app.port, '/key/8', { headers: { 'X-API-Key': `${KEY}-wrong` } });
    await rawRequest(app.port, '/key/8', { headers: { 'X-API-Key': KEY } });
    const text = await app.metrics.registry.metrics();
    expect(text).toContain('key_requests_rejected_total{reason="missing_key"} 1');
    expect(text).toContain('key_requests_rejected_total{reason="invalid_key"} 1');
    expect(text).toContain('http_responses_total{status_code="401"} 2');
    expect(text).not.toContain(KEY);
  });
});

describe('the key API with --rate-limit', () => {
  it('answers 429 with Retry-After past the limit, per client', async () => {
    const app = await appWith({ rateLimit: 2 });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push(await rawRequest(app.port, '/key/8'));
      expect(statuses.map((res) => res.status)).toEqual([200, 200, 429]);
      expect(statuses[2]?.headers['retry-after']).toBe('1');
      expect(JSON.parse(statuses[2]?.text ?? '')).toEqual({
        error: 'rate limit of 2 key requests per second exceeded; retry after 1 s',
        code: 'rate_limited',
        allowed: '2 per second',
      });
      expect(await app.metrics.registry.metrics()).toContain('key_requests_rejected_total{reason="rate_limited"} 1');
      expect((await rawRequest(app.port, '/health')).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('limits each API key on its own', async () => {
    const other = 'o'.repeat(24);
    const app = await appWith({ keys: [KEY, other], rateLimit: 1 });
    try {
      const send = (key: string) => rawRequest(app.port, '/key/8', { headers: { 'X-API-Key': key } }).then((r) => r.status);
      expect([await send(KEY), await send(other), await send(KEY)]).toEqual([200, 200, 429]);
    } finally {
      await app.close();
    }
  });
});
