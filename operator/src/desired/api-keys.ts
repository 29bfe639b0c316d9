import { durationMs, type KeyService } from '../spec.js';
import { type DesiredOptions, childMetadataForKeyService } from './labels.js';

export interface StoredKey {
  name: string;
  value: string;
  createdAt: string;
}

export interface ApiKeysPlan {
  keys: StoredKey[];
  current: StoredKey;
  /** When the plan next changes by itself (a rotation, a new key becoming current, an old one expiring). */
  nextEventAt: Date;
  nextRotation: Date;
}

export const API_KEYS_FILE = 'api-keys';
export const CURRENT_KEY = 'current';
export const KEYS_ANNOTATION = 'keyservice.io/api-keys';
export const CURRENT_ANNOTATION = 'keyservice.io/current-key';
/** How long a new key waits before clients are told to use it: the kubelet's Secret sync plus the server's reload. */
const MAX_PROPAGATION_MS = 90_000;

const at = (key: StoredKey) => Date.parse(key.createdAt);

/**
 * The rotation, as a pure function of the stored keys and the clock: a new key every rotationInterval; it becomes
 * current only after the pods have had time to load it; the key before it stays valid for `overlap` after that.
 */
export function planApiKeys(previous: readonly StoredKey[], now: Date, ks: KeyService, mint: (now: Date) => StoredKey): ApiKeysPlan {
  const rotationMs = durationMs(ks.spec.auth.rotationInterval);
  const overlapMs = durationMs(ks.spec.auth.overlap);
  const propagationMs = Math.min(MAX_PROPAGATION_MS, overlapMs / 2);
  const keys = [...previous].sort((a, b) => at(a) - at(b));
  const newestBefore = keys.at(-1);
  if (newestBefore === undefined || now.getTime() >= at(newestBefore) + rotationMs) keys.push(mint(now));
  const newest = keys.at(-1) as StoredKey;
  const successorLive = (i: number) => at(keys[i + 1] as StoredKey) + propagationMs;
  const kept = keys.filter((_, i) => i === keys.length - 1 || now.getTime() < successorLive(i) + overlapMs);
  const newestIsLive = kept.length === 1 || now.getTime() >= at(newest) + propagationMs;
  const current = newestIsLive ? newest : (kept.at(-2) as StoredKey);
  const nextRotation = new Date(at(newest) + rotationMs);
  const events = [nextRotation.getTime(), ...kept.slice(0, -1).map((_, i) => successorLive(i) + overlapMs)];
  if (!newestIsLive) events.push(at(newest) + propagationMs);
  return { keys: kept, current, nextEventAt: new Date(Math.min(...events)), nextRotation };
}

/** Reads back what buildApiKeysSecret stored: names and times from the annotation, values from the file. */
export function storedKeysOf(secret: { metadata: { annotations?: Record<string, string> }; data?: Record<string, string> } | undefined): StoredKey[] {
  const meta = secret?.metadata.annotations?.[KEYS_ANNOTATION];
  const file = secret?.data?.[API_KEYS_FILE];
  if (meta === undefined || file === undefined) return [];
  const values = Buffer.from(file, 'base64').toString('utf8').split('\n').filter((line) => line !== '');
  const described = JSON.parse(meta) as { name: string; createdAt: string }[];
  return described.length === values.length ? described.map((key, i) => ({ ...key, value: values[i] ?? '' })) : [];
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/**
 * The Secret the pods mount (file api-keys: every accepted key) and clients read (current: the key to send). Named
 * after the KeyService, like every child; the annotation lists names and creation times, never values.
 */
export function buildApiKeysSecret(ks: KeyService, plan: ApiKeysPlan, options: DesiredOptions): Record<string, unknown> {
  const metadata = childMetadataForKeyService(ks, options);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      ...metadata,
      annotations: {
        [KEYS_ANNOTATION]: JSON.stringify(plan.keys.map(({ name, createdAt }) => ({ name, createdAt }))),
        [CURRENT_ANNOTATION]: plan.current.name,
      },
    },
    type: 'Opaque',
    data: {
      [API_KEYS_FILE]: base64(`${plan.keys.map((key) => key.value).join('\n')}\n`),
      [CURRENT_KEY]: base64(plan.current.value),
    },
  };
}
