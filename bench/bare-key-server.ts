// Baseline for bench:server: the least a Node server can do for GET /key/32 — the same draw, encoding and
// headers as the key server, on bare node:http, with no routing, validation or metrics.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
createServer((_req, res) => {
  const body = randomBytes(32).toString('hex');
  res.writeHead(200, {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}).listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
