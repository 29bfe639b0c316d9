import type { Logger } from 'pino';
import { ApiKeyStore, parseApiKeys } from './api-keys.js';
import { readLimited, watchContent, type ContentWatch } from './file-content.js';
import type { ServerMetrics } from './metrics.js';

/** About 100,000 keys: far more than any deployment rotates, small enough to read and hash in a few milliseconds. */
export const MAX_API_KEYS_FILE_BYTES = 4 * 1024 * 1024;
const FLAG = '--api-keys-file';

/**
 * Reads the keys file; refuses one that is unreadable, too large, not UTF-8 text, holds a bad line, or holds no key
 * at all (an empty or truncated file would otherwise lock every client out). Errors name the line, never a key.
 */
export function readApiKeys(path: string): string[] {
  const bytes = readLimited(path, FLAG, MAX_API_KEYS_FILE_BYTES);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${FLAG}: ${path} is not UTF-8 text`);
  }
  const { keys, problems } = parseApiKeys(text);
  if (problems.length > 0) throw new Error(`${FLAG}: ${path}: ${problems.join('; ')}`);
  if (keys.length === 0) throw new Error(`${FLAG}: ${path} holds no key; at least one is needed`);
  return keys;
}

/** A store loaded from the file now, and reloaded when its content changes; a bad new file keeps the old keys. */
export function loadApiKeys(
  path: string,
  intervalMs: number,
  log: Logger,
  metrics: ServerMetrics,
): { store: ApiKeyStore; watch: ContentWatch } {
  const store = new ApiKeyStore();
  store.replace(readApiKeys(path));
  const watch = watchContent([path], intervalMs, MAX_API_KEYS_FILE_BYTES, () => {
    try {
      store.replace(readApiKeys(path));
      log.info({ keys: store.size }, 'API keys reloaded');
    } catch (error) {
      metrics.countReloadFailure('api_keys');
      log.error({ err: error }, 'API keys not reloaded; the previous keys stay valid');
    }
  });
  return { store, watch };
}
