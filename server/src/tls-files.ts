import { X509Certificate } from 'node:crypto';
import type { Server as HttpsServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { readLimited, watchContent, type ContentWatch } from './file-content.js';
import type { ServerMetrics } from './metrics.js';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface TlsCredentials {
  cert: Buffer;
  key: Buffer;
  /** The leaf certificate's notAfter, in Unix seconds. */
  notAfterSeconds: number;
}

/** A certificate chain or a key is a few kilobytes; a megabyte is no PEM file anyone means to serve. */
const MAX_PEM_BYTES = 1024 * 1024;

/**
 * Reads and checks the pair: both files readable and small, a key that matches the certificate, and a certificate
 * valid now (neither expired nor not yet valid). An error names the flag whose file is at fault.
 */
export function readTlsCredentials(files: TlsFiles, nowMs: number = Date.now()): TlsCredentials {
  const cert = readLimited(files.certFile, '--tls-cert-file', MAX_PEM_BYTES);
  const key = readLimited(files.keyFile, '--tls-key-file', MAX_PEM_BYTES);
  let leaf: X509Certificate;
  try {
    createSecureContext({ cert, key });
    leaf = new X509Certificate(cert);
  } catch (error) {
    throw new Error(`--tls-cert-file/--tls-key-file: not a usable certificate and key pair: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (nowMs < leaf.validFromDate.getTime()) {
    throw new Error(`--tls-cert-file: ${files.certFile} is not valid until ${leaf.validFromDate.toISOString()}`);
  }
  if (nowMs > leaf.validToDate.getTime()) {
    throw new Error(`--tls-cert-file: ${files.certFile} expired at ${leaf.validToDate.toISOString()}`);
  }
  return { cert, key, notAfterSeconds: Math.floor(leaf.validToDate.getTime() / 1000) };
}

/**
 * Re-reads the pair when either file's content changes and swaps it in for new connections; open connections keep
 * theirs. A half-written renewal (new certificate, old key) or an expired certificate is refused, counted and
 * logged, and the previous pair goes on serving.
 */
export function reloadTlsOnChange(
  server: HttpsServer,
  files: TlsFiles,
  intervalMs: number,
  deps: { log: Logger; metrics: ServerMetrics },
): ContentWatch {
  return watchContent([files.certFile, files.keyFile], intervalMs, MAX_PEM_BYTES, () => {
    try {
      const credentials = readTlsCredentials(files);
      server.setSecureContext({ cert: credentials.cert, key: credentials.key });
      deps.metrics.setCertificateNotAfter(credentials.notAfterSeconds);
      deps.log.info({ notAfter: new Date(credentials.notAfterSeconds * 1000).toISOString() }, 'TLS certificate reloaded');
    } catch (error) {
      deps.metrics.countReloadFailure('tls');
      deps.log.error({ err: error }, 'TLS certificate not reloaded; serving the previous one');
    }
  });
}
