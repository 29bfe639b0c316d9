import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Server as HttpsServer } from 'node:https';
import type { Logger } from 'pino';
import { watchFiles } from './watch-files.js';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface TlsCredentials {
  cert: Buffer;
  key: Buffer;
}

/** Reads and checks the pair; an error names the flag whose file is at fault. */
export function readTlsCredentials(files: TlsFiles): TlsCredentials {
  const read = (path: string, flag: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`${flag}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
    }
  };
  const credentials = { cert: read(files.certFile, '--tls-cert-file'), key: read(files.keyFile, '--tls-key-file') };
  try {
    createSecureContext(credentials);
  } catch (error) {
    throw new Error(`--tls-cert-file/--tls-key-file: not a usable certificate and key pair: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return credentials;
}

/**
 * Re-reads the pair when either file changes and swaps it in for new connections; open connections keep theirs.
 * A half-written renewal (new certificate, old key) is refused and retried when the other file lands.
 */
export function reloadTlsOnChange(server: HttpsServer, files: TlsFiles, intervalMs: number, log: Logger): () => void {
  return watchFiles([files.certFile, files.keyFile], intervalMs, () => {
    try {
      server.setSecureContext(readTlsCredentials(files));
      log.info('TLS certificate reloaded');
    } catch (error) {
      log.error({ err: error }, 'TLS certificate not reloaded; serving the previous one');
    }
  });
}
