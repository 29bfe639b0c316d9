import { connect, type Socket } from 'node:net';

export interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Opens a loopback TCP connection and resolves once it is established. */
export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves with everything the server sends until it closes the connection (or `timeoutMs` passes: rejects). */
export function readUntilClosed(socket: Socket, timeoutMs = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error(`the server did not close the connection within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.resume();
  });
}

/** Sends bytes exactly as given on a fresh connection and returns every byte of the answer. */
export async function exchange(port: number, request: string | Buffer, timeoutMs?: number): Promise<Buffer> {
  const socket = await openSocket(port);
  const answer = readUntilClosed(socket, timeoutMs);
  socket.write(request);
  return answer;
}

/** Splits a stream of HTTP/1.1 answers with Content-Length bodies; a cut-short last body is returned as it is. */
export function parseResponses(bytes: Buffer): ParsedResponse[] {
  const responses: ParsedResponse[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const headEnd = bytes.indexOf('\r\n\r\n', offset);
    if (headEnd === -1) break;
    const [statusLine = '', ...lines] = bytes.subarray(offset, headEnd).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? '0');
    const body = bytes.subarray(headEnd + 4, headEnd + 4 + length);
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body });
    offset = headEnd + 4 + length;
  }
  return responses;
}

/** The sum of `http_responses_total` over every status, or for one status, from a metrics scrape. */
export function responsesCounted(scrape: string, status?: number): number {
  const pattern = /^http_responses_total\{status_code="(\d+)"\} (\d+)$/gm;
  let total = 0;
  for (const match of scrape.matchAll(pattern)) if (status === undefined || Number(match[1]) === status) total += Number(match[2]);
  return total;
}

/** One sample of a counter or gauge from a metrics scrape, by its full series text; undefined when absent. */
export function sampleOf(scrape: string, series: string): number | undefined {
  const line = scrape.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
