import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import { KubeApiError } from './errors.js';
import type { KubeConnection } from './kube-connection.js';

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Overrides the client's timeout for this request (a watch: the whole stream). */
  timeoutMs?: number;
}

/** How the API server's audit log and metrics name this client: the prefix of every operator's User-Agent. */
export const USER_AGENT = 'keyservice-operator';

/** Counts every request by method and outcome: the operator's api metrics and the benchmark's write count. */
export type RequestObserver = (method: string, status: number | 'error') => void;

export interface KubeHttpOptions {
  observe?: RequestObserver;
  /** No request waits longer than this for its whole answer; a watch, for its headers plus its timeoutSeconds. */
  timeoutMs?: number;
  /** Checked just before a write leaves: false (leadership lost) refuses it with WriteFencedError. */
  mayWrite?: () => boolean;
  /** Names this process in the API server's audit log, as client-go's user agent does. */
  userAgent?: string;
}

/** A write refused because this process no longer leads: another operator may be acting already. */
export class WriteFencedError extends Error {
  constructor(method: string, path: string) {
    super(`${method} ${path}: refused, this operator no longer holds the leader lease`);
    this.name = 'WriteFencedError';
  }
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface KubeHttp {
  request<T>(req: KubeRequest): Promise<T>;
  /** Streams a watch: calls onLine for each JSON line; resolves when the server ends the stream. */
  stream(req: KubeRequest, onLine: (line: string) => void): Promise<void>;
}

/**
 * Raw requests to the API server. The library's typed clients serialise built-in kinds through their models
 * (dropping unknown fields) and default patches to JSON patch; server-side apply and watches of any kind need the
 * plain request, so this layer sends bytes as given, over one keep-alive agent.
 */
export function createKubeHttp(connection: KubeConnection, settings: KubeHttpOptions = {}): KubeHttp {
  const { observe = () => undefined, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS, mayWrite = () => true, userAgent = USER_AGENT } = settings;
  const base = new URL(connection.server);
  const transport = base.protocol === 'https:' ? https : http;
  const prefix = base.pathname.replace(/\/$/, '');
  const agent = connection.agent ?? new transport.Agent({ keepAlive: true, maxSockets: 64, ...connection.tls });

  /** The request's own signal (if any) and its deadline: whichever comes first aborts it. */
  function deadline(req: KubeRequest, ms: number): AbortSignal {
    const timeout = AbortSignal.timeout(ms);
    return req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  }

  function timedOut(req: KubeRequest, signal: AbortSignal, ms: number, error: unknown): unknown {
    const reason: unknown = signal.reason;
    if (!(signal.aborted && reason instanceof DOMException && reason.name === 'TimeoutError')) return error;
    return new Error(`${req.method} ${req.path}: no answer within ${ms} ms`, { cause: error });
  }

  async function options(req: KubeRequest, signal: AbortSignal): Promise<http.RequestOptions> {
    const query = new URLSearchParams(req.query ?? {}).toString();
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': userAgent, ...(await connection.headers()) };
    if (req.body !== undefined) headers['content-type'] = req.contentType ?? 'application/json';
    return {
      method: req.method,
      protocol: base.protocol,
      hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: base.port,
      path: `${prefix}${req.path}${query ? `?${query}` : ''}`,
      headers,
      agent,
      signal,
    };
  }

  function send(req: KubeRequest, opts: http.RequestOptions): Promise<http.IncomingMessage> {
    // The last moment before the bytes leave: a leader frozen (SIGSTOP) past its deadline is stopped here on waking.
    if (req.method !== 'GET' && !mayWrite()) return Promise.reject(new WriteFencedError(req.method, req.path));
    return new Promise((resolve, reject) => {
      const outgoing = transport.request(opts, resolve);
      outgoing.on('error', (error) => {
        observe(req.method, 'error');
        reject(error);
      });
      outgoing.end(req.body === undefined ? undefined : JSON.stringify(req.body));
    });
  }

  async function readBody(res: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  async function failure(req: KubeRequest, res: http.IncomingMessage): Promise<KubeApiError> {
    const text = await readBody(res);
    let status: { reason?: string; message?: string } = {};
    try {
      status = JSON.parse(text) as typeof status;
    } catch {
      status = { message: text };
    }
    const code = res.statusCode ?? 0;
    return new KubeApiError(code, status.reason ?? 'Unknown', `${req.method} ${req.path}: ${code} ${status.message ?? ''}`.trim());
  }

  return {
    async request<T>(req: KubeRequest): Promise<T> {
      const ms = req.timeoutMs ?? timeoutMs;
      const signal = deadline(req, ms);
      try {
        const res = await send(req, await options(req, signal));
        const code = res.statusCode ?? 0;
        observe(req.method, code);
        if (code < 200 || code >= 300) throw await failure(req, res);
        const text = await readBody(res);
        return (text ? JSON.parse(text) : {}) as T;
      } catch (error) {
        throw timedOut(req, signal, ms, error);
      }
    },

    async stream(req: KubeRequest, onLine: (line: string) => void): Promise<void> {
      // A watch the server does not end by its timeoutSeconds is hung (a frozen API server, a dead peer): cut it.
      const ms = req.timeoutMs ?? timeoutMs + Number(req.query?.timeoutSeconds ?? 0) * 1000;
      const signal = deadline(req, ms);
      const res = await send(req, await options(req, signal)).catch((error: unknown) => {
        throw timedOut(req, signal, ms, error);
      });
      observe(req.method, res.statusCode ?? 0);
      if (res.statusCode !== 200) throw await failure(req, res);
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      await new Promise<void>((resolve, reject) => {
        // A handler that throws (a 410 inside the stream, say) ends the watch with that error.
        lines.on('line', (line) => {
          if (!line.trim()) return;
          try {
            onLine(line);
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
            lines.close();
            res.destroy();
          }
        });
        lines.on('close', resolve);
        // A connection cut mid-stream (the API server restarting) surfaces on both; either ends this watch.
        lines.on('error', reject);
        res.on('error', reject);
      });
    },
  };
}
