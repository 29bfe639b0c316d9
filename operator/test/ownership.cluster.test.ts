import { expect, jest } from '@jest/globals';
import {
  applyKeyService,
  conditionOf,
  eventually,
  freshNamespace,
  getObject,
  installKeyServiceCrd,
  kubectl,
  startOperator,
  type OperatorProcess,
} from './cluster-harness.js';

jest.setTimeout(180_000);

interface Meta {
  metadata: { resourceVersion: string; ownerReferences?: unknown[] };
  data?: Record<string, string>;
}

const USER_OBJECTS = `
apiVersion: v1
kind: Service
metadata: { name: legacy }
spec: { selector: { app: legacy-db }, ports: [{ name: db, port: 5432 }] }
---
apiVersion: v1
kind: Secret
metadata: { name: legacy }
stringData: { db-password: hunter2 }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: legacy }
data: { setting: "on" }
`;

const snapshot = (ns: string) =>
  ['service', 'secret', 'configmap'].map((kind) => {
    const o = getObject<Meta>(kind, 'legacy', ns);
    return o && { kind, resourceVersion: o.metadata.resourceVersion, owners: o.metadata.ownerReferences ?? [], data: o.data };
  });

describe('objects of a child\'s name that the operator did not create', () => {
  let ns = '';
  let op: OperatorProcess;

  beforeAll(async () => {
    await installKeyServiceCrd();
    ns = freshNamespace('ks-own');
    kubectl(['apply', '-n', ns, '-f', '-'], USER_OBJECTS);
    op = await startOperator(['--watch-namespace', ns], 'ownership');
  });
  afterAll(() => op.stop());

  it('are left untouched, and status and an Event say so, while the other children are created', async () => {
    const before = snapshot(ns);
    applyKeyService('legacy', ns, { auth: { enabled: true }, dashboard: { enabled: true } });
    await eventually(() => expect(conditionOf('legacy', ns, 'Degraded')).toBe('True/ChildNotOwned'), 60_000);
    const events = kubectl(['get', 'events', '-n', ns, '--field-selector', 'reason=ChildNotOwned', '-o', 'jsonpath={.items[*].type}']);
    expect([snapshot(ns), getObject('deployment', 'legacy', ns) !== null, events]).toEqual([before, true, 'Warning']);
  });

  it('survive the deletion of the KeyService', async () => {
    const before = snapshot(ns);
    kubectl(['delete', 'keyservice', 'legacy', '-n', ns, '--wait=true']);
    // The garbage collector removing the Deployment (ours) shows it has processed the deletion.
    await eventually(() => expect(getObject('deployment', 'legacy', ns)).toBeNull(), 60_000);
    expect(snapshot(ns)).toEqual(before);
  });
});
