import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import type { CutReason, ServerMetrics } from './metrics.js';

export interface ConnectionLimits {
  /** An answer not written to its end by then has its connection closed (a client that does not read). */
  writeTimeoutMs: number;
  /** Most bytes of key answers queued at once over all connections; beyond it key requests get 503 overloaded. */
  maxQueuedBytes: number;
}

/** While draining, a connection with no request for this long (counted from the drain's start at the earliest) is closed. */
const DRAIN_IDLE_GRACE_MS = 1000;
const DRAIN_POLL_MS = 100;

interface SocketState {
  inFlight: number;
  idleSinceMs: number;
  /** Start times of the answers in flight, oldest first: HTTP/1.1 answers on one connection finish in order. */
  starts: number[];
  /** Fires at the oldest answer's deadline at the earliest; armed while answers are in flight. */
  deadline: NodeJS.Timeout | undefined;
}

/**
 * Knows every connection of the servers it watches and which of them has an answer in flight. Node's own notion of
 * an idle connection is wrong for a drain (a connection counts as idle once its request is parsed, even while the
 * answer is still being written), so shutdown asks this instead.
 */
export class ConnectionTracker {
  private readonly sockets = new Map<Socket, SocketState>();
  /** Raw sockets under TLS connections, and TLS connections still in their handshake: closed only when time is up. */
  private readonly rawSockets = new Set<Socket>();
  private queuedBytes = 0;
  private lastDropLogMs = -Infinity;

  constructor(
    private readonly limits: ConnectionLimits,
    private readonly metrics: ServerMetrics,
    private readonly log: Logger,
  ) {}

  watch(server: Server | NetServer): void {
    const requestSockets = server instanceof TlsServer ? 'secureConnection' : 'connection';
    server.on(requestSockets, (socket: Socket) => {
      const state: SocketState = { inFlight: 0, idleSinceMs: performance.now(), starts: [], deadline: undefined };
      this.sockets.set(socket, state);
      socket.once('close', () => {
        clearTimeout(state.deadline);
        this.sockets.delete(socket);
      });
    });
    if (server instanceof TlsServer) {
      server.on('connection', (socket: Socket) => {
        this.rawSockets.add(socket);
        socket.once('close', () => this.rawSockets.delete(socket));
      });
    }
    server.on('drop', () => this.countDrop());
  }

  /** Called first for every request: the answer is in flight until its response closes, and has a deadline. */
  onRequest(req: IncomingMessage, res: ServerResponse): void {
    const state = this.sockets.get(req.socket);
    if (state === undefined) {
      const deadline = setTimeout(() => this.cut(req.socket, 'write_timeout'), this.limits.writeTimeoutMs);
      res.once('close', () => clearTimeout(deadline));
      return;
    }
    state.inFlight += 1;
    state.starts.push(performance.now());
    // One timer per connection, not one per answer: setting and clearing a timer for every request cost about 1 µs
    // of the 17 µs of CPU a GET /key/32 takes. When it fires it looks at the oldest answer, and waits on if needed.
    state.deadline ??= setTimeout(() => this.checkDeadline(req.socket, state), this.limits.writeTimeoutMs).unref();
    res.once('close', () => {
      state.inFlight -= 1;
      state.starts.shift();
      state.idleSinceMs = performance.now();
    });
  }

  /** Cuts the connection if its oldest answer is past its deadline; else waits for that deadline, if any. */
  private checkDeadline(socket: Socket, state: SocketState): void {
    state.deadline = undefined;
    const oldest = state.starts[0];
    if (oldest === undefined) return;
    const left = oldest + this.limits.writeTimeoutMs - performance.now();
    if (left <= 0) this.cut(socket, 'write_timeout');
    else state.deadline = setTimeout(() => this.checkDeadline(socket, state), left).unref();
  }

  /** Reserves room for an answer of `bytes` until its response closes; false when the budget is spent. */
  reserve(res: ServerResponse, bytes: number): boolean {
    // One answer always fits, so the budget can never refuse every request.
    if (this.queuedBytes > 0 && this.queuedBytes + bytes > this.limits.maxQueuedBytes) return false;
    this.queuedBytes += bytes;
    res.once('close', () => (this.queuedBytes -= bytes));
    return true;
  }

  /**
   * Stops the listeners (without Node's close, which would drop connections it wrongly thinks idle), lets every
   * answer in flight finish, closes each connection once it has been quiet for a moment, and after `timeoutMs`
   * cuts whatever is left. Resolves true when every connection ended on its own.
   */
  async drain(servers: readonly (Server | NetServer)[], timeoutMs: number): Promise<boolean> {
    const closed = servers.map((server) => new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve())));
    const drainStartMs = performance.now();
    const poll = setInterval(() => this.closeQuietConnections(drainStartMs), DRAIN_POLL_MS);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const clean = await Promise.race([Promise.all(closed).then(() => true), timedOut]);
    clearInterval(poll);
    clearTimeout(timer);
    if (!clean) {
      this.log.warn({ timeoutMs, connections: this.sockets.size + this.rawSockets.size }, 'shutdown timeout reached; cutting the remaining connections');
      for (const socket of [...this.sockets.keys(), ...this.rawSockets]) this.cut(socket, 'shutdown_timeout');
    }
    return clean;
  }

  /** Quiet since the drain began, at least: a client idle before it may be sending its next request right now. */
  private closeQuietConnections(drainStartMs: number): void {
    const now = performance.now();
    for (const [socket, state] of this.sockets) {
      if (state.inFlight === 0 && now - Math.max(state.idleSinceMs, drainStartMs) >= DRAIN_IDLE_GRACE_MS) socket.destroy();
    }
  }

  private cut(socket: Socket, reason: CutReason): void {
    if (socket.destroyed) return;
    this.metrics.countConnectionCut(reason);
    // Debug only: a flood of clients that never read would otherwise flood the log; the metric counts them.
    this.log.debug({ reason, remoteAddress: socket.remoteAddress }, 'connection cut');
    socket.destroy();
  }

  /** A connection over --max-connections, closed by Node at once; logged at most once a second. */
  private countDrop(): void {
    this.metrics.countConnectionCut('connection_limit');
    const now = performance.now();
    if (now - this.lastDropLogMs < 1000) return;
    this.lastDropLogMs = now;
    this.log.warn('connection limit reached: new connections are closed at once (see --max-connections)');
  }
}
