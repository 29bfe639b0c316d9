import { computeStatus, transitionEvents, type DeploymentObservation, type StatusInput } from '../src/status.js';
import type { Condition } from '../src/spec.js';

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:05:00Z';
const ROLLED_OUT: DeploymentObservation = {
  generation: 2,
  observedGeneration: 2,
  wanted: 2,
  replicas: 2,
  readyReplicas: 2,
  updatedReplicas: 2,
  available: true,
  progressingReason: 'NewReplicaSetAvailable',
  failure: null,
};

const input = (overrides: Partial<StatusInput> = {}): StatusInput => ({
  generation: 3,
  previous: [],
  now: T1,
  selector: 'app.kubernetes.io/name=key-server,app.kubernetes.io/instance=demo',
  endpoint: 'http://demo.team-a.svc:1123',
  deployment: ROLLED_OUT,
  monitoring: 'applied',
  alerting: 'not-configured',
  failure: null,
  ...overrides,
});

const summary = (conditions: Condition[] | undefined) => conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`);

describe('computeStatus', () => {
  describe('when every pod is ready and monitoring is applied', () => {
    it('is Ready, not Progressing, not Degraded, MonitoringReady, with replicas, selector and endpoint', () => {
      expect(computeStatus(input())).toEqual({
        observedGeneration: 3,
        conditions: [
          { type: 'Ready', status: 'True', reason: 'Available', message: '2/2 pods are ready.', observedGeneration: 3, lastTransitionTime: T1 },
          {
            type: 'Progressing',
            status: 'False',
            reason: 'RolloutComplete',
            message: 'Every pod runs the current pod template.',
            observedGeneration: 3,
            lastTransitionTime: T1,
          },
          { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'All children are applied.', observedGeneration: 3, lastTransitionTime: T1 },
          {
            type: 'MonitoringReady',
            status: 'True',
            reason: 'MonitoringApplied',
            message: 'The ServiceMonitor and PrometheusRule are applied.',
            observedGeneration: 3,
            lastTransitionTime: T1,
          },
          {
            type: 'AlertingReady',
            status: 'False',
            reason: 'AlertingNotConfigured',
            message: 'spec.alerting names no Slack channel or email address; alerts go wherever Alertmanager routes them.',
            observedGeneration: 3,
            lastTransitionTime: T1,
          },
        ],
        replicas: 2,
        readyReplicas: 2,
        selector: 'app.kubernetes.io/name=key-server,app.kubernetes.io/instance=demo',
        endpoint: 'http://demo.team-a.svc:1123',
      });
    });
  });

  describe('when the monitoring CRDs are missing', () => {
    it('stays Ready and says MonitoringReady=False naming the missing CRDs', () => {
      const status = computeStatus(input({ monitoring: 'crds-missing' }));
      expect(summary(status.conditions)).toEqual([
        'Ready=True/Available',
        'Progressing=False/RolloutComplete',
        'Degraded=False/AsExpected',
        'MonitoringReady=False/MonitoringCRDsMissing',
        'AlertingReady=False/AlertingNotConfigured',
      ]);
      expect(status.conditions?.[3]?.message).toBe(
        'The monitoring.coreos.com CRDs (ServiceMonitor, PrometheusRule) are not installed; install prometheus-operator and the operator creates them.',
      );
    });
  });

  describe('when a new template is rolling out', () => {
    it.each([
      ['the Deployment controller is rolling out a new ReplicaSet', { progressingReason: 'ReplicaSetUpdated' }],
      ['not every pod is updated', { updatedReplicas: 1 }],
      ['old pods still run', { replicas: 3 }],
    ])('is Progressing when %s', (_why, change) => {
      const status = computeStatus(input({ deployment: { ...ROLLED_OUT, ...change } }));
      expect(summary(status.conditions)?.[1]).toBe('Progressing=True/RolloutInProgress');
    });
  });

  describe('when only the replicas change (kubectl scale, the HPA)', () => {
    it('stays Ready while the old pods serve, although the Deployment is not Available until the new ones are, and is not Progressing', () => {
      const scaling = { ...ROLLED_OUT, generation: 3, observedGeneration: 3, wanted: 4, replicas: 4, updatedReplicas: 4, readyReplicas: 2, available: false };
      expect(summary(computeStatus(input({ deployment: scaling })).conditions)?.slice(0, 2)).toEqual([
        'Ready=True/Available',
        'Progressing=False/RolloutComplete',
      ]);
    });
  });

  describe('when a child could not be applied', () => {
    it('is not Ready, however many pods are ready', () => {
      const status = computeStatus(input({ failure: { reason: 'ChildNotOwned', message: 'The Service x/y exists' } }));
      expect(status.conditions?.[0]).toMatchObject({ status: 'False', reason: 'ChildrenNotApplied' });
    });
  });

  describe('when applying failed or the rollout is stuck', () => {
    it('is Degraded with the failure message', () => {
      const applyFailed = computeStatus(input({ failure: { reason: 'ApplyFailed', message: 'Deployment: forbidden' } }));
      const stuck = computeStatus(input({ deployment: { ...ROLLED_OUT, failure: 'ProgressDeadlineExceeded: x' } }));
      expect([applyFailed.conditions?.[2], stuck.conditions?.[2]]).toEqual([
        { type: 'Degraded', status: 'True', reason: 'ApplyFailed', message: 'Deployment: forbidden', observedGeneration: 3, lastTransitionTime: T1 },
        {
          type: 'Degraded',
          status: 'True',
          reason: 'RolloutStuck',
          message: 'ProgressDeadlineExceeded: x',
          observedGeneration: 3,
          lastTransitionTime: T1,
        },
      ]);
    });
  });

  describe('when spec.alerting names receivers', () => {
    it.each([
      ['applied', 'AlertingReady=True/AlertingApplied'],
      ['crds-missing', 'AlertingReady=False/AlertmanagerConfigCRDMissing'],
      ['blocked', 'AlertingReady=Unknown/InvalidSpec'],
    ] as const)('reports %s as %s', (alerting, expected) => {
      expect(summary(computeStatus(input({ alerting })).conditions)?.[4]).toBe(expected);
    });

    it('says what to install when the AlertmanagerConfig CRD is missing, and warns once', () => {
      const status = computeStatus(input({ alerting: 'crds-missing' }));
      expect(status.conditions?.[4]?.message).toContain('install prometheus-operator');
      expect(transitionEvents([], status.conditions ?? []).map((e) => `${e.type} ${e.reason}`)).toContain(
        'Warning AlertmanagerConfigCRDMissing',
      );
    });
  });

  describe('when the Deployment does not exist', () => {
    it('is not Ready and counts no replicas', () => {
      const status = computeStatus(input({ deployment: null }));
      expect([summary(status.conditions)?.[0], status.replicas, status.readyReplicas]).toEqual(['Ready=False/DeploymentMissing', 0, 0]);
    });
  });

  describe('when a condition keeps its status', () => {
    it('keeps its lastTransitionTime, and moves it when the status flips', () => {
      const first = computeStatus(input({ now: T0 }));
      const second = computeStatus(input({ now: T1, previous: first.conditions ?? [], deployment: { ...ROLLED_OUT, readyReplicas: 0, available: false } }));
      expect(second.conditions?.map((c) => c.lastTransitionTime)).toEqual([T1, T0, T0, T0, T0]);
    });
  });
});

describe('transitionEvents', () => {
  const status = (overrides: Partial<StatusInput>) => computeStatus(input(overrides)).conditions ?? [];

  it('emits nothing when nothing changed', () => {
    expect(transitionEvents(status({}), status({}))).toEqual([]);
  });

  it('says Ready on the first reconcile that finds every pod ready', () => {
    expect(transitionEvents([], status({}))).toEqual([{ type: 'Normal', reason: 'Available', message: '2/2 pods are ready.' }]);
  });

  it('warns when a failure begins and when monitoring CRDs are missing, and notes the recovery', () => {
    const healthy = status({});
    const failing = status({ failure: { reason: 'ApplyFailed', message: 'boom' }, monitoring: 'crds-missing' });
    expect([transitionEvents(healthy, failing), transitionEvents(failing, status({ previous: failing }))]).toEqual([
      [
        { type: 'Warning', reason: 'ApplyFailed', message: 'boom' },
        {
          type: 'Warning',
          reason: 'MonitoringCRDsMissing',
          message:
            'The monitoring.coreos.com CRDs (ServiceMonitor, PrometheusRule) are not installed; install prometheus-operator and the operator creates them.',
        },
      ],
      [
        { type: 'Normal', reason: 'Available', message: '2/2 pods are ready.' },
        { type: 'Normal', reason: 'AsExpected', message: 'All children are applied.' },
      ],
    ]);
  });

  it('warns when Ready is lost', () => {
    expect(transitionEvents(status({}), status({ deployment: { ...ROLLED_OUT, readyReplicas: 0, available: false } }))).toEqual([
      { type: 'Warning', reason: 'PodsNotReady', message: '0/2 pods are ready, too few for the Deployment to be available; the events of the pods say why.' },
    ]);
  });
});
