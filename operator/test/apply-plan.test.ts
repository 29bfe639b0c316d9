import { isAppliedIn, isUpToDate, quantityValue, withAppliedDigest } from '../src/apply-plan.js';

describe('isAppliedIn', () => {
  it.each([
    ['equal scalars', { a: 1 }, { a: 1 }, true],
    ['extra live fields (defaults, other managers)', { a: 1 }, { a: 1, b: 2 }, true],
    ['a changed scalar', { a: 1 }, { a: 2 }, false],
    ['a missing field', { a: { b: 1 } }, { a: {} }, false],
    ['arrays of another length', { a: [1, 2] }, { a: [1] }, false],
    ['array items matched in order', { a: [{ x: 1 }] }, { a: [{ x: 1, y: 2 }] }, true],
    ['a quantity the API server made canonical', { resources: { cpu: '0.5', memory: '1Gi' } }, { resources: { cpu: '500m', memory: '1024Mi' } }, true],
    ['another quantity', { resources: { cpu: '0.5' } }, { resources: { cpu: '400m' } }, false],
    ['equal-valued strings outside resources', { tag: '1k' }, { tag: '1000' }, false],
  ])('%s → %s', (_what, desired, live, expected) => {
    expect(isAppliedIn(desired, live)).toBe(expected);
  });
});

describe('quantityValue', () => {
  it.each([
    ['100m', 0.1],
    ['64Mi', 64 * 2 ** 20],
    ['1e3', 1000],
    ['2k', 2000],
    ['.5', 0.5],
    ['abc', NaN],
    ['1Xi', NaN],
  ])('reads %s as %d', (text, value) => {
    expect(quantityValue(text)).toBe(value);
  });
});

describe('isUpToDate', () => {
  const desired = withAppliedDigest({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'keys', labels: { a: '1', b: '2' } }, spec: { port: 1 } });
  const live = { metadata: { name: 'keys', labels: { a: '1', b: '2' }, annotations: (desired.metadata as { annotations: Record<string, string> }).annotations }, spec: { port: 1, clusterIP: '10.0.0.1' } };

  it('holds for a live object from a list response, which has no kind or apiVersion', () => {
    expect(isUpToDate(desired, live)).toBe(true);
  });

  it('fails once a field is dropped from the desired object, although every remaining field still holds', () => {
    const fewer = withAppliedDigest({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'keys', labels: { a: '1' } }, spec: { port: 1 } });
    expect(isUpToDate(fewer, live)).toBe(false);
  });

  it('fails when someone changed an applied field', () => {
    expect(isUpToDate(desired, { ...live, spec: { port: 2 } })).toBe(false);
  });
});
