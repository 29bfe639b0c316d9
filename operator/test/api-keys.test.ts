import { buildApiKeysSecret, planApiKeys, storedKeysOf, type StoredKey } from '../src/desired/api-keys.js';
import { durationMs } from '../src/spec.js';
import { OPTIONS, keyService } from './fixtures.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0 + ms);
const mint = (now: Date): StoredKey => ({ name: `k${now.getTime() - T0}`, value: `v${now.getTime() - T0}-0123456789abcdef`, createdAt: now.toISOString() });
// Rotate every 10 min, keep the old key 4 min: a new key turns current after min(90 s, overlap / 2) = 90 s.
const ks = keyService({ auth: { enabled: true, rotationInterval: '10m', overlap: '4m' } });
const MIN = 60_000;

/** Runs the plan at each instant, feeding each result into the next, as successive reconciles would. */
function timeline(instants: number[]) {
  let keys: StoredKey[] = [];
  return instants.map((ms) => {
    const plan = planApiKeys(keys, at(ms), ks, mint);
    keys = plan.keys;
    return { keys: plan.keys.map((k) => k.name), current: plan.current.name, nextEventAt: plan.nextEventAt.getTime() - T0 };
  });
}

describe('durationMs', () => {
  it.each([
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['24h', 86_400_000],
    ['250ms', 250],
  ])('reads %s', (value, ms) => {
    expect(durationMs(value)).toBe(ms);
  });
});

describe('planApiKeys', () => {
  it('makes a first key, current at once, and plans the rotation', () => {
    expect(timeline([0])).toEqual([{ keys: ['k0'], current: 'k0', nextEventAt: 10 * MIN }]);
  });

  it('adds a key on rotation, names it current only after it has propagated, then drops the old one after the overlap', () => {
    expect(timeline([0, 10 * MIN, 10 * MIN + 90_000, 15 * MIN + 29_999, 15 * MIN + 30_000])).toEqual([
      { keys: ['k0'], current: 'k0', nextEventAt: 10 * MIN },
      { keys: ['k0', 'k600000'], current: 'k0', nextEventAt: 10 * MIN + 90_000 },
      { keys: ['k0', 'k600000'], current: 'k600000', nextEventAt: 15 * MIN + 30_000 },
      { keys: ['k0', 'k600000'], current: 'k600000', nextEventAt: 15 * MIN + 30_000 },
      { keys: ['k600000'], current: 'k600000', nextEventAt: 20 * MIN },
    ]);
  });

  it('keeps nothing stale after a long pause: one rotation, the old key within its overlap', () => {
    const [, late] = timeline([0, 60 * MIN]);
    expect(late).toEqual({ keys: ['k0', 'k3600000'], current: 'k0', nextEventAt: 60 * MIN + 90_000 });
  });
});

describe('buildApiKeysSecret and storedKeysOf', () => {
  it('stores every key in the mounted file and the current one apart, names and times in an annotation only', () => {
    const plan = planApiKeys([], at(0), ks, mint);
    const secret = buildApiKeysSecret(ks, plan, OPTIONS) as {
      metadata: { name: string; annotations: Record<string, string> };
      data: Record<string, string>;
      type: string;
    };
    expect([secret.metadata.name, secret.type]).toEqual(['demo', 'Opaque']);
    expect(Buffer.from(secret.data['api-keys'] ?? '', 'base64').toString()).toBe('v0-0123456789abcdef\n');
    expect(Buffer.from(secret.data.current ?? '', 'base64').toString()).toBe('v0-0123456789abcdef');
    expect(JSON.stringify(secret.metadata.annotations)).not.toContain('v0-');
    expect(storedKeysOf(secret)).toEqual(plan.keys);
  });

  it('reads nothing from a Secret it did not write', () => {
    expect(storedKeysOf(undefined)).toEqual([]);
    expect(storedKeysOf({ metadata: {}, data: {} })).toEqual([]);
  });
});
