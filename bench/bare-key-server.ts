// Baseline for bench:server: the least a Node server can do for GET /key/<length> — the same draw (synchronous up
// to 64 KiB, the thread pool above, as server/src/keys.ts), hex encoding and headers as the key server, on bare
// node:http, with no validation, negotiation, limits or metrics. GET /health answers OK, for the fairness probe.
import { randomBytes, randomFill } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';

const SYNC_DRAW_LIMIT = 64 * 1024;
const port = Number(process.argv[2]);

function answer(res: ServerResponse, body: string): void {
  res.writeHead(200, {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

createServer((req, res) => {
  if (req.url === '/health') return answer(res, 'OK');
  const length = Number(req.url?.slice('/key/'.length));
  if (length <= SYNC_DRAW_LIMIT) return answer(res, randomBytes(length).toString('hex'));
  randomFill(Buffer.allocUnsafe(length), (error, bytes) => {
    if (error) res.destroy(error);
    else answer(res, bytes.toString('hex'));
  });
}).listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
