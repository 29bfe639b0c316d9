import { startApp, type RunningApp } from './app-harness.js';
import { rawRequest } from './http-client.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';

describe('the key API', () => {
  let app: RunningApp;
  beforeEach(async () => {
    app = await startApp({ maxSize: 2048 });
  });
  afterEach(() => app.close());

  describe('GET /key/<length>', () => {
    it('answers 64 hex characters for 32 bytes, with the key headers', async () => {
      const res = await rawRequest(app.port, '/key/32');
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/^[0-9a-f]{64}$/);
      expect(res.headers['content-type']).toBe(TEXT_TYPE);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers.etag).toBeUndefined();
      expect(res.headers['x-powered-by']).toBeUndefined();
    });

    it.each([
      ['base64', /^[A-Za-z0-9+/]{43}=$/],
      ['base64url', /^[A-Za-z0-9_-]{43}$/],
      ['hex', /^[0-9a-f]{64}$/],
    ])('answers ?encoding=%s', async (encoding, pattern) => {
      const res = await rawRequest(app.port, `/key/32?encoding=${encoding}`);
      expect(res.status).toBe(200);
      expect(res.text).toMatch(pattern);
    });

    it('answers raw bytes to Accept: application/octet-stream', async () => {
      const res = await rawRequest(app.port, '/key/10', { headers: { Accept: 'application/octet-stream' } });
      expect([res.status, res.body.length, res.headers['content-type']]).toEqual([200, 10, 'application/octet-stream']);
    });

    it('answers the largest allowed key', async () => {
      const res = await rawRequest(app.port, '/key/2048');
      expect([res.status, res.text.length]).toEqual([200, 4096]);
    });

    it('answers HEAD with headers and no body', async () => {
      const res = await rawRequest(app.port, '/key/16', { method: 'HEAD' });
      expect([res.status, res.headers['content-length'], res.body.length]).toEqual([200, '32', 0]);
    });

    it('answers 413 as JSON, saying the length exceeds the maximum size', async () => {
      const res = await rawRequest(app.port, '/key/2049');
      expect([res.status, res.headers['content-type'], res.headers['cache-control']]).toEqual([413, JSON_TYPE, 'no-store']);
      expect(JSON.parse(res.text)).toEqual({
        error: 'length 2049 exceeds maximum size of 2048',
        code: 'length_too_large',
        field: 'length',
        allowed: '1..2048',
        maxSize: 2048,
      });
    });

    it.each(['/key/1e3', '/key/+7', '/key/0x10', '/key/1_000', '/key/1.5', '/key/%2032', '/key/', '/key', '/key/0', '/key?encoding=hex'])(
      'answers 400 as JSON for %s',
      async (path) => {
        const res = await rawRequest(app.port, path);
        expect([res.status, res.headers['content-type']]).toEqual([400, JSON_TYPE]);
        expect(JSON.parse(res.text)).toMatchObject({ code: 'invalid_length', field: 'length', allowed: '1..2048' });
      },
    );

    it('answers 400 naming an unknown encoding', async () => {
      const res = await rawRequest(app.port, '/key/8?encoding=base32');
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toEqual({
        error: 'encoding "base32" is not supported; allowed: hex, base64, base64url, raw',
        code: 'invalid_encoding',
        field: 'encoding',
        allowed: 'hex, base64, base64url, raw',
      });
    });

    it.each(['/key/a/5', '/key/5/', '/keys/5', '/KEY/5'])('answers 404 for %s', async (path) => {
      const res = await rawRequest(app.port, path);
      expect([res.status, res.headers['content-type']]).toEqual([404, JSON_TYPE]);
      expect(JSON.parse(res.text)).toMatchObject({ code: 'not_found' });
    });

    it.each(['POST', 'PUT', 'DELETE', 'OPTIONS'])('answers %s with 405 and an Allow header', async (method) => {
      const res = await rawRequest(app.port, '/key/8', { method });
      expect([res.status, res.headers.allow]).toEqual([405, 'GET, HEAD']);
      expect(JSON.parse(res.text)).toEqual({
        error: `method ${method} is not allowed; allowed: GET, HEAD`,
        code: 'method_not_allowed',
      });
    });
  });

  describe('when the CSPRNG fails', () => {
    it.each([
      ['synchronously', () => {
        throw new Error('no entropy');
      }],
      ['asynchronously', () => Promise.reject(new Error('no entropy'))],
    ])('answers 503 with Retry-After when it fails %s, and keeps serving', async (_how, randomSource) => {
      const failing = await startApp({ randomSource });
      try {
        const res = await rawRequest(failing.port, '/key/8');
        expect([res.status, res.headers['retry-after']]).toEqual([503, '1']);
        expect(JSON.parse(res.text)).toEqual({ error: 'random bytes are unavailable; try again', code: 'entropy_unavailable' });
        expect((await rawRequest(failing.port, '/health')).status).toBe(200);
      } finally {
        await failing.close();
      }
    });
  });

  describe('GET /health and /ready', () => {
    it('answers OK on /health', async () => {
      const res = await rawRequest(app.port, '/health');
      expect([res.status, res.text, res.headers['content-type'], res.headers['x-powered-by']]).toEqual([
        200,
        'OK',
        TEXT_TYPE,
        undefined,
      ]);
    });

    it('answers 200 on /ready while serving and 503 once shutdown has begun', async () => {
      expect((await rawRequest(app.port, '/ready')).status).toBe(200);
      app.readiness.serving = false;
      const res = await rawRequest(app.port, '/ready');
      expect([res.status, JSON.parse(res.text)]).toEqual([503, { error: 'the server is shutting down', code: 'shutting_down' }]);
      expect(res.headers.connection).toBe('close');
    });

    it.each(['/health', '/ready'])('answers POST %s with 405 and an Allow header', async (path) => {
      const res = await rawRequest(app.port, path, { method: 'POST' });
      expect([res.status, res.headers.allow]).toEqual([405, 'GET, HEAD']);
    });

    it('answers 404 for /metrics: metrics live on their own port', async () => {
      const res = await rawRequest(app.port, '/metrics');
      expect([res.status, JSON.parse(res.text)]).toEqual([404, { error: 'no route for "/metrics"', code: 'not_found' }]);
    });

    it('never answers a malformed URL with a 5xx', async () => {
      const res = await rawRequest(app.port, '/%E0%A4%A');
      expect(res.status).toBe(404);
    });
  });

  describe('metrics', () => {
    it('counts every response by status, 4xx included, and observes valid lengths only', async () => {
      for (const path of ['/key/10', '/key/100', '/key/5000', '/key/x', '/health', '/nope']) await rawRequest(app.port, path);
      const text = await app.metrics.registry.metrics();
      expect(text).toContain('http_responses_total{status_code="200"} 3');
      expect(text).toContain('http_responses_total{status_code="413"} 1');
      expect(text).toContain('http_responses_total{status_code="400"} 1');
      expect(text).toContain('http_responses_total{status_code="404"} 1');
      expect(text).toContain('key_length_bytes_count 2');
      expect(text).toContain('key_length_bytes_sum 110');
    });

    it('labels latency by route, never by raw path', async () => {
      for (let length = 1; length <= 20; length++) await rawRequest(app.port, `/key/${length}`);
      await rawRequest(app.port, '/random/path/1');
      await rawRequest(app.port, '/random/path/2');
      const text = await app.metrics.registry.getSingleMetricAsString('request_latency_seconds');
      const endpoints = new Set([...text.matchAll(/endpoint="([^"]*)"/g)].map((match) => match[1]));
      expect([...endpoints].sort()).toEqual(['/key/{length}', 'unmatched']);
      expect(text).toContain('request_latency_seconds_count{endpoint="/key/{length}"} 20');
    });
  });
});

describe('the key API with --fault-rate', () => {
  it('answers every valid key request 500 at rate 1, counted as 500, and leaves bad requests 4xx', async () => {
    const app = await startApp({ faultRate: 1 });
    try {
      const res = await rawRequest(app.port, '/key/8');
      expect([res.status, JSON.parse(res.text)]).toEqual([
        500,
        { error: 'fault injected on purpose by --fault-rate (an alerting drill)', code: 'injected_fault' },
      ]);
      expect((await rawRequest(app.port, '/key/abc')).status).toBe(400);
      expect(await app.metrics.registry.metrics()).toContain('http_responses_total{status_code="500"} 1');
    } finally {
      await app.close();
    }
  });

  it('answers about the given share with 500 at rate 0.5', async () => {
    const app = await startApp({ faultRate: 0.5 });
    try {
      const statuses = await Promise.all(Array.from({ length: 400 }, () => rawRequest(app.port, '/key/8').then((r) => r.status)));
      const failed = statuses.filter((status) => status === 500).length;
      expect(statuses.filter((status) => status !== 500 && status !== 200)).toEqual([]);
      // 400 draws at p=0.5: outside 140..260 has a probability below 1e-9.
      expect(failed).toBeGreaterThan(140);
      expect(failed).toBeLessThan(260);
    } finally {
      await app.close();
    }
  });
});

describe('the key API with --encoding raw', () => {
  it('answers raw bytes by default, as the original server did', async () => {
    const app = await startApp({ defaultEncoding: 'raw' });
    try {
      const res = await rawRequest(app.port, '/key/10');
      expect([res.status, res.body.length, res.headers['content-type']]).toEqual([200, 10, 'application/octet-stream']);
    } finally {
      await app.close();
    }
  });
});
