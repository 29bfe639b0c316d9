import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WriteFencedError, createKubeHttp } from '../src/kube-http.js';

/** An API server on loopback that records each request and answers only those its handler chooses to. */
async function apiServer(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = (options: Parameters<typeof createKubeHttp>[1]) =>
    createKubeHttp({ server: `http://127.0.0.1:${port}`, tls: { rejectUnauthorized: true }, headers: () => Promise.resolve({}) }, options);
  const close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { seen, client, close };
}

describe('createKubeHttp', () => {
  describe('when the API server accepts a request and never answers', () => {
    it('fails the request once its timeout has passed, naming the request and the timeout', async () => {
      const api = await apiServer(() => undefined);
      try {
        await expect(api.client({ timeoutMs: 200 }).request({ method: 'GET', path: '/api/v1/namespaces' })).rejects.toThrow(
          'GET /api/v1/namespaces: no answer within 200 ms',
        );
      } finally {
        await api.close();
      }
    });

    it('cuts a watch that outlives its timeoutSeconds by more than the request timeout', async () => {
      const api = await apiServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"5"}}}\n');
      });
      const lines: string[] = [];
      try {
        const watching = api.client({ timeoutMs: 200 }).stream(
          { method: 'GET', path: '/api/v1/pods', query: { watch: 'true', timeoutSeconds: '0' } },
          (line) => lines.push(line),
        );
        await expect(watching.then(() => 'ended', () => 'ended')).resolves.toBe('ended');
        expect(lines).toHaveLength(1);
      } finally {
        await api.close();
      }
    });
  });

  describe('when writes are fenced (leadership lost)', () => {
    it('refuses every write before it leaves the process, and still reads', async () => {
      const api = await apiServer((_req, res) => res.end('{}'));
      const kube = api.client({ mayWrite: () => false });
      try {
        const outcomes = await Promise.all(
          (['POST', 'PUT', 'PATCH', 'DELETE'] as const).map((method) =>
            kube.request({ method, path: '/api/v1/namespaces/a/secrets/b', body: {} }).then(
              () => 'sent',
              (error: unknown) => (error instanceof WriteFencedError ? 'fenced' : String(error)),
            ),
          ),
        );
        await kube.request({ method: 'GET', path: '/api/v1/namespaces' });
        expect([outcomes, api.seen]).toEqual([['fenced', 'fenced', 'fenced', 'fenced'], ['GET /api/v1/namespaces']]);
      } finally {
        await api.close();
      }
    });
  });
});
