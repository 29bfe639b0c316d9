import { buildApiKeysSecret, planApiKeys, storedKeysOf, type StoredKey } from '../src/desired/api-keys.js';
import { durationMs, parseSpec } from '../src/spec.js';
import { OPTIONS, keyService } from './fixtures.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0 + ms);
const mint = (now: Date): StoredKey => ({ name: `k${now.getTime() - T0}`, value: `v${now.getTime() - T0}-0123456789abcdef`, createdAt: now.toISOString() });
// Rotate every 10 min, keep the old key 4 min: a new key turns current after spec.auth.propagation (90 s by default).
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
    expect(storedKeysOf(secret, at(0), 90_000)).toEqual({ keys: plan.keys, problem: null });
  });

  it('reads nothing from a Secret it did not write', () => {
    expect(storedKeysOf(undefined, at(0), 90_000)).toEqual({ keys: [], problem: null });
    expect(storedKeysOf({ metadata: {}, data: {} }, at(0), 90_000)).toEqual({ keys: [], problem: null });
  });
});

describe('spec.auth.propagation', () => {
  it('announces a new key only once its propagation time has passed', () => {
    const slow = keyService({ auth: { enabled: true, rotationInterval: '10m', overlap: '4m', propagation: '2m' } });
    const first = planApiKeys([], at(0), slow, mint);
    const added = planApiKeys(first.keys, at(10 * MIN), slow, mint);
    const before = planApiKeys(added.keys, at(10 * MIN + 119_999), slow, mint);
    const after = planApiKeys(added.keys, at(12 * MIN), slow, mint);
    expect([added.current.name, before.current.name, after.current.name, added.nextEventAt.getTime() - T0]).toEqual(['k0', 'k0', 'k600000', 12 * MIN]);
  });

  it.each([
    [{ overlap: '10s' }, 'spec.auth.overlap must be at least twice spec.auth.propagation'],
    [{ overlap: '1m', propagation: '31s' }, 'spec.auth.overlap must be at least twice spec.auth.propagation'],
  ])('rejects an overlap shorter than twice the propagation: %j', (auth, message) => {
    const parsed = parseSpec({ auth: { enabled: true, ...auth } });
    expect(parsed.ok ? [] : parsed.problems).toEqual([expect.stringContaining(message)]);
  });
});

/** A Secret as the operator stores it, then changed the way a person or a bug might. */
function storedSecret(edit: (secret: { metadata: { annotations: Record<string, string> }; data: Record<string, string> }) => void) {
  const first = planApiKeys([], at(0), ks, mint);
  const rotated = planApiKeys(first.keys, at(10 * MIN), ks, mint);
  const plan = planApiKeys(rotated.keys, at(10 * MIN + 90_000), ks, mint);
  const secret = buildApiKeysSecret(ks, plan, OPTIONS) as { metadata: { annotations: Record<string, string> }; data: Record<string, string> };
  edit(secret);
  return secret;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('storedKeysOf a Secret that is not as the operator left it', () => {
  it('salvages every key and keeps the current one current when the annotation is not JSON', () => {
    const secret = storedSecret((s) => (s.metadata.annotations['keyservice.io/api-keys'] = '[{"name": broken'));
    const stored = storedKeysOf(secret, at(11 * MIN), 90_000);
    const plan = planApiKeys(stored.keys, at(11 * MIN), ks, mint);
    expect([stored.problem, plan.keys.map((k) => k.value), plan.current.value]).toEqual([
      'the keyservice.io/api-keys annotation is missing or not a JSON list of {name, createdAt}',
      ['v0-0123456789abcdef', 'v600000-0123456789abcdef'],
      'v600000-0123456789abcdef',
    ]);
  });

  it('keeps every key, the hand-added one too, and the current key current when a line was added to api-keys', () => {
    const secret = storedSecret((s) => (s.data['api-keys'] = b64(`${Buffer.from(s.data['api-keys'] ?? '', 'base64').toString()}added-by-hand\n`)));
    const stored = storedKeysOf(secret, at(11 * MIN), 90_000);
    const plan = planApiKeys(stored.keys, at(11 * MIN), ks, mint);
    expect([stored.problem, plan.keys.map((k) => k.value).sort(), plan.current.value]).toEqual([
      'the api-keys file holds 3 keys where the keyservice.io/api-keys annotation lists 2',
      ['added-by-hand', 'v0-0123456789abcdef', 'v600000-0123456789abcdef'],
      'v600000-0123456789abcdef',
    ]);
  });

  it('retires the salvaged old keys after one overlap, not at once', () => {
    const secret = storedSecret((s) => (s.metadata.annotations['keyservice.io/api-keys'] = 'null'));
    const stored = storedKeysOf(secret, at(11 * MIN), 90_000);
    const within = planApiKeys(stored.keys, at(11 * MIN + 4 * MIN - 1), ks, mint);
    const after = planApiKeys(stored.keys, at(11 * MIN + 4 * MIN), ks, mint);
    expect([within.keys.length, after.keys.map((k) => k.value)]).toEqual([2, ['v600000-0123456789abcdef']]);
  });
});
