import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { ApiKeyStore, parseApiKeys } from './api-keys.js';
import { watchFiles } from './watch-files.js';

/** Reads the keys file; an error names the flag and the line, never a key. */
export function readApiKeys(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`--api-keys-file: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      cause: error,
    });
  }
  const { keys, problems } = parseApiKeys(text);
  if (problems.length > 0) throw new Error(`--api-keys-file: ${path}: ${problems.join('; ')}`);
  return keys;
}

/** A store loaded from the file now, and reloaded when the file changes; a bad new file keeps the old keys. */
export function loadApiKeys(path: string, intervalMs: number, log: Logger): { store: ApiKeyStore; stop: () => void } {
  const store = new ApiKeyStore();
  store.replace(readApiKeys(path));
  if (store.size === 0) log.warn('--api-keys-file holds no key: every key request will be refused');
  const stop = watchFiles([path], intervalMs, () => {
    try {
      store.replace(readApiKeys(path));
      log.info({ keys: store.size }, 'API keys reloaded');
    } catch (error) {
      log.error({ err: error }, 'API keys not reloaded; the previous keys stay valid');
    }
  });
  return { store, stop };
}
