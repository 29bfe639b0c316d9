import { durationMs, type KeyService } from '../spec.js';
import { type DesiredOptions, childMetadataForKeyService } from './labels.js';
import { metaTime } from '../meta-time.js';

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

const at = (key: StoredKey) => Date.parse(key.createdAt);

/**
 * The rotation, as a pure function of the stored keys and the clock: a new key every rotationInterval; it becomes
 * current only after spec.auth.propagation (the pods have loaded it by then); the key before it stays valid for
 * `overlap` after that.
 */
export function planApiKeys(previous: readonly StoredKey[], now: Date, ks: KeyService, mint: (now: Date) => StoredKey): ApiKeysPlan {
  const rotationMs = durationMs(ks.spec.auth.rotationInterval);
  const overlapMs = durationMs(ks.spec.auth.overlap);
  const propagationMs = durationMs(ks.spec.auth.propagation);
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

export interface StoredKeys {
  keys: StoredKey[];
  /** Why the Secret could not be read as the operator wrote it (then `keys` is what was salvaged); null if it could. */
  problem: string | null;
}

type SecretLike = { metadata: { annotations?: Record<string, string> }; data?: Record<string, string> } | undefined;

const decode = (value: string | undefined) => (value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8'));

function describedKeys(meta: string): { name: string; createdAt: string }[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(meta);
  } catch {
    return null;
  }
  const valid = (k: unknown): k is { name: string; createdAt: string } =>
    typeof k === 'object' && k !== null && typeof (k as { name?: unknown }).name === 'string' && !Number.isNaN(Date.parse(String((k as { createdAt?: unknown }).createdAt)));
  return Array.isArray(parsed) && parsed.every(valid) ? parsed : null;
}

/**
 * Keys from a Secret that is not as the operator left it (a corrupt annotation, a hand-edited file): every key the
 * pods accept now stays accepted, and the key clients use now stays current, dated so that it is live at once and
 * the others retire after one overlap. Nobody is locked out; the next rotation follows the usual schedule.
 */
function salvage(values: string[], current: string, now: Date, propagationMs: number): StoredKey[] {
  const others = [...new Set(values)].filter((v) => v !== current);
  const liveAt = now.getTime() - propagationMs;
  const salvaged = others.map((value, i) => ({ name: `recovered-${i + 1}`, value, createdAt: metaTime(new Date(liveAt - 1000)) }));
  return current === '' ? salvaged : [...salvaged, { name: 'recovered-current', value: current, createdAt: metaTime(new Date(liveAt)) }];
}

function mismatch(described: unknown[] | null, values: string[]): string {
  return described === null
    ? `the ${KEYS_ANNOTATION} annotation is missing or not a JSON list of {name, createdAt}`
    : `the ${API_KEYS_FILE} file holds ${values.length} keys where the ${KEYS_ANNOTATION} annotation lists ${described.length}`;
}

/** Reads back what buildApiKeysSecret stored: names and times from the annotation, values from the file. */
export function storedKeysOf(secret: SecretLike, now: Date, propagationMs: number): StoredKeys {
  const meta = secret?.metadata.annotations?.[KEYS_ANNOTATION];
  const data = secret?.data ?? {};
  if (meta === undefined && data[API_KEYS_FILE] === undefined) return { keys: [], problem: null };
  const values = decode(data[API_KEYS_FILE]).split('\n').filter((line) => line !== '');
  const described = meta === undefined ? null : describedKeys(meta);
  if (described?.length === values.length) {
    return { keys: described.map((key, i) => ({ ...key, value: values[i] ?? '' })), problem: null };
  }
  return { keys: salvage(values, decode(data[CURRENT_KEY]), now, propagationMs), problem: mismatch(described, values) };
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
