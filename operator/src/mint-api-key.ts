import { randomBytes } from 'node:crypto';
import type { StoredKey } from './desired/api-keys.js';
import { metaTime } from './meta-time.js';

/** A new API key: 32 bytes from the CSPRNG, base64url, named after the second it was made. */
export function mintApiKey(now: Date): StoredKey {
  const createdAt = metaTime(now);
  return { name: `key-${createdAt.replace(/[-:]/g, '').toLowerCase()}`, value: randomBytes(32).toString('base64url'), createdAt };
}
