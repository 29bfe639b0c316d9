import { jest } from '@jest/globals';
import pino from 'pino';
import { Controller } from '../src/controller.js';
import { KubeApiError } from '../src/errors.js';
import type { KubeHttp, KubeRequest } from '../src/kube-http.js';
import { createKubeApi } from '../src/kube.js';
import { createOperatorMetrics } from '../src/operator-metrics.js';
import { waitFor } from '../../test/wait-for.js';
import { OPTIONS } from './fixtures.js';

type Answer = 'empty' | 'forbidden' | 'hang';

/**
 * An API server for the controller's reads: discovery of monitoring.coreos.com says what `discovery` says, each list
 * answers as `answers` says for its plural (empty by default), watches stay open until aborted. It counts the
 * list and watch requests still open per plural, so a test sees informers that were never stopped.
 */
function apiServer(answers: Record<string, Answer>, discovery: { monitoring: boolean }) {
  const open = new Map<string, number>();
  const statuses: unknown[] = [];
  const keyService = { apiVersion: 'keyservice.io/v1alpha1', kind: 'KeyService', metadata: { name: 'demo', namespace: 'team-a', uid: 'u1', generation: 1, resourceVersion: '1' }, spec: {} };
  const track = (plural: string, signal: AbortSignal | undefined) => {
    open.set(plural, (open.get(plural) ?? 0) + 1);
    signal?.addEventListener('abort', () => open.set(plural, (open.get(plural) ?? 1) - 1), { once: true });
  };
  const pluralOf = (req: KubeRequest) => req.path.split('/').at(-1) ?? '';
  const http: KubeHttp = {
    request<T>(req: KubeRequest): Promise<T> {
      if (req.path === '/apis/monitoring.coreos.com/v1') {
        if (!discovery.monitoring) return Promise.reject(new KubeApiError(404, 'NotFound', 'no such group'));
        return Promise.resolve({ resources: [{ name: 'servicemonitors' }, { name: 'prometheusrules' }] } as T);
      }
      if (req.path === '/apis/monitoring.coreos.com/v1alpha1') return Promise.reject(new KubeApiError(404, 'NotFound', 'no such group'));
      if (req.path.endsWith('/status')) statuses.push(req.body);
      if (req.method !== 'GET') return Promise.resolve({ metadata: { name: 'x' } } as T);
      const answer = answers[pluralOf(req)] ?? 'empty';
      if (answer === 'forbidden') return Promise.reject(new KubeApiError(403, 'Forbidden', `list ${pluralOf(req)} is forbidden`));
      if (answer === 'hang') {
        track(pluralOf(req), req.signal);
        return new Promise((_resolve, reject) => req.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
      }
      const items = pluralOf(req) === 'keyservices' ? [keyService] : [];
      return Promise.resolve({ metadata: { resourceVersion: '1' }, items } as T);
    },
    stream(req: KubeRequest): Promise<void> {
      track(pluralOf(req), req.signal);
      return new Promise((resolve) => req.signal?.addEventListener('abort', () => resolve()));
    },
  };
  return { http, open, statuses };
}

function controller(http: KubeHttp): Controller {
  return new Controller({
    http,
    api: createKubeApi(http),
    log: pino({ level: process.env.CT_LOG ?? 'silent' }),
    metrics: createOperatorMetrics(),
    desired: OPTIONS,
    watchNamespace: null,
    workers: 1,
    resyncSeconds: 300,
    monitoringPollSeconds: 1,
    identity: 'test',
    now: () => new Date(),
  });
}

describe('Controller', () => {
  describe('when RBAC forbids listing ServiceMonitors', () => {
    it('still starts, and reports the monitoring API unavailable in status', async () => {
      const { http, statuses } = apiServer({ servicemonitors: 'forbidden' }, { monitoring: true });
      const c = controller(http);
      await c.start();
      const synced = c.isSynced();
      const status = await waitFor('a status write', () => statuses[0] as { status: { conditions: { type: string; reason: string }[] } } | undefined);
      await c.stop();
      const monitoring = status.status.conditions.find((cond) => cond.type === 'MonitoringReady');
      expect([synced, monitoring?.reason]).toEqual([true, 'MonitoringAPIUnavailable']);
    });
  });

  describe('when the monitoring CRDs appear but their lists never answer', () => {
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] }));
    afterEach(() => jest.useRealTimers());

    it('runs one poll at a time and leaves no informer of an earlier poll running', async () => {
      const discovery = { monitoring: false };
      const { http, open } = apiServer({ servicemonitors: 'hang', prometheusrules: 'hang' }, discovery);
      const c = controller(http);
      await c.start();
      discovery.monitoring = true;
      const counts: number[] = [];
      for (let second = 0; second < 10; second++) {
        await jest.advanceTimersByTimeAsync(1000);
        counts.push(open.get('servicemonitors') ?? 0);
      }
      await c.stop();
      expect(Math.max(...counts)).toBe(1);
    });
  });
});
