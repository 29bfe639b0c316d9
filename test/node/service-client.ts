import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { kubectlJson } from '../cluster/kube-test-env.js';
import { waitFor } from '../wait-for.js';

export interface ServiceTarget {
  /** The Service's ClusterIP: the host reaches it through the real node's kube-proxy. */
  host: string;
  port: number;
  /** For HTTPS: the CA to trust and the name the certificate is checked against. */
  tls?: { ca: string; servername: string };
}

export interface KeyResponse {
  status: number;
  body: string;
}

/** The ClusterIP and port of a Service, as a target for requests from the host. */
export function serviceTarget(namespace: string, name: string, tls?: ServiceTarget['tls']): ServiceTarget {
  const service = kubectlJson<{ spec: { clusterIP: string; ports: { name: string; port: number }[] } }>(
    ['get', 'service', name, '-n', namespace]);
  const port = service.spec.ports.find((candidate) => candidate.name === 'http')?.port;
  if (port === undefined) throw new Error(`service ${namespace}/${name} has no port named http`);
  return { host: service.spec.clusterIP, port, tls };
}

/**
 * Resolves once the Service's ClusterIP answers at all. A KeyService is Ready when its Deployment is Available, but
 * kube-proxy programs the Service's endpoints a moment later (longer on a loaded machine): until then a connection
 * is refused.
 */
export function serviceAnswering(target: ServiceTarget): Promise<KeyResponse> {
  return waitFor('the Service\'s ClusterIP to answer', () => getPath(target, '/health'), { timeoutMs: 30_000, intervalMs: 200 });
}

/** One GET on a fresh connection; a connection error rejects (the load loops count it as a failure). */
export function getPath(target: ServiceTarget, path: string, headers: Record<string, string> = {}): Promise<KeyResponse> {
  return new Promise((resolve, reject) => {
    const options = { host: target.host, port: target.port, path, headers, agent: false, timeout: 10_000 };
    const onResponse = (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    };
    const req = target.tls === undefined
      ? httpRequest(options, onResponse)
      : httpsRequest({ ...options, ca: target.tls.ca, servername: target.tls.servername }, onResponse);
    req.on('timeout', () => req.destroy(new Error('timed out after 10 s')));
    req.on('error', reject);
    req.end();
  });
}

export interface LoadResult {
  requests: number;
  /** Every answer that was not the expected status, and every connection error, with what it was. */
  failures: string[];
}

/**
 * Requests without pause from `clients` loops until `stop` resolves; `request` makes one request and returns what
 * went wrong, or undefined.
 */
export async function loadUntil(stop: Promise<unknown>, clients: number, request: () => Promise<string | undefined>): Promise<LoadResult> {
  let stopped = false;
  const halt = () => {
    stopped = true;
  };
  stop.then(halt, halt);
  const result: LoadResult = { requests: 0, failures: [] };
  const loop = async () => {
    while (!stopped) {
      result.requests += 1;
      const failure = await request().catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
      if (failure !== undefined) result.failures.push(failure);
    }
  };
  await Promise.all(Array.from({ length: clients }, loop));
  return result;
}
