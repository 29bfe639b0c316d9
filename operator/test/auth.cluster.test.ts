import { expect, jest } from '@jest/globals';
import { eventually, freshNamespace, getObject, kubectl, kubectlResult, startOperator, type OperatorProcess } from './cluster-harness.js';

jest.setTimeout(150_000);

interface SecretObject {
  metadata: { annotations: Record<string, string>; ownerReferences: { kind: string }[] };
  data: Record<string, string>;
}

const decode = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString('utf8');

describe('spec.auth against a real control plane', () => {
  let namespace = '';
  let operator: OperatorProcess;
  beforeAll(async () => {
    kubectl(['apply', '--server-side', '-f', 'crds/keyservice.io_keyservices.yaml']);
    namespace = freshNamespace('auth');
    operator = await startOperator(['--watch-namespace', namespace], 'auth');
  });
  afterAll(() => operator.stop());

  const keysNow = () => {
    const secret = getObject<SecretObject>('secret', 'keys', namespace);
    const names = JSON.parse(secret?.metadata.annotations['keyservice.io/api-keys'] ?? '[]') as { name: string }[];
    const file = decode(secret?.data['api-keys']).split('\n').filter((line) => line !== '');
    return { names: names.map((key) => key.name), file, current: decode(secret?.data.current), secret };
  };

  it('creates the Secret of API keys, mounts it in the pod template and names the current key in status', async () => {
    // Rotate every 20 s with a 10 s overlap: a new key turns current 5 s after it is added (spec.auth.propagation).
    const auth = { enabled: true, rotationInterval: '20s', overlap: '10s', propagation: '5s' };
    const ks = { apiVersion: 'keyservice.io/v1alpha1', kind: 'KeyService', metadata: { name: 'keys', namespace }, spec: { auth } };
    kubectl(['apply', '-f', '-'], JSON.stringify(ks));
    const first = await eventually(() => {
      const now = keysNow();
      expect(now.names).toHaveLength(1);
      return now;
    }, 60_000);
    expect(first.file).toEqual([first.current]);
    expect(first.current).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.secret?.metadata.ownerReferences[0]?.kind).toBe('KeyService');
    const deployment = getObject<{ spec: { template: { spec: { volumes: unknown[]; containers: { args: string[] }[] } } } }>('deployment', 'keys', namespace);
    expect(deployment?.spec.template.spec.volumes).toContainEqual({
      name: 'api-keys',
      secret: { secretName: 'keys', items: [{ key: 'api-keys', path: 'api-keys' }], defaultMode: 420 },
    });
    expect(deployment?.spec.template.spec.containers[0]?.args).toContain('--api-keys-file=/etc/keyservice/auth/api-keys');
    await eventually(() => {
      const status = getObject<{ status?: { apiKeys?: { currentKey: string; nextRotation: string } } }>('keyservice', 'keys', namespace)?.status;
      expect(status?.apiKeys?.currentKey).toBe(first.names[0]);
      expect(Date.parse(status?.apiKeys?.nextRotation ?? '')).toBeGreaterThan(Date.now() - 20_000);
    }, 30_000);
  });

  it('rotates: adds a key, makes it current once it has propagated, and removes the old key after the overlap', async () => {
    const [firstName] = keysNow().names;
    const overlapping = await eventually(() => {
      const now = keysNow();
      expect(now.names).toHaveLength(2);
      return now;
    }, 60_000);
    // While both are valid, the current key is one the pods accept.
    expect(overlapping.file).toContain(overlapping.current);
    const rotated = await eventually(() => {
      const now = keysNow();
      expect(now.names).toHaveLength(1);
      expect(now.names[0]).not.toBe(firstName);
      return now;
    }, 60_000);
    expect(rotated.file).toEqual([rotated.current]);
  });

  it.each([
    [{ overlap: '10s' }, false],
    [{ overlap: '3m' }, true],
    [{ overlap: '1d', propagation: '12h1s', rotationInterval: '1w' }, false],
    [{ overlap: '1d', propagation: '12h', rotationInterval: '1w' }, true],
  ])('the API server checks overlap >= 2 x propagation with CEL: %j accepted %s', (auth, accepted) => {
    const ks = { apiVersion: 'keyservice.io/v1alpha1', kind: 'KeyService', metadata: { name: 'cel', namespace }, spec: { auth: { enabled: true, ...auth } } };
    const result = kubectlResult(['apply', '--dry-run=server', '-f', '-'], JSON.stringify(ks));
    expect([result.status === 0, result.status === 0 ? '' : result.stderr.includes('spec.auth.overlap must be at least twice spec.auth.propagation')]).toEqual([accepted, accepted ? '' : true]);
  });
});
