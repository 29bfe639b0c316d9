import { getEventListeners } from 'node:events';
import pino from 'pino';
import { KubeApiError } from '../src/errors.js';
import { Informer, type InformerEvent } from '../src/informer.js';
import type { KubeHttp, KubeRequest } from '../src/kube-http.js';
import type { KubeObject } from '../src/kube.js';

const obj = (name: string, resourceVersion: string): KubeObject => ({ metadata: { name, namespace: 'ns', resourceVersion } });

type Step = { list: KubeObject[]; resourceVersion: string } | { watch: string[] } | { fail: Error };

/** Answers the informer's list and watch requests from a script, one step per request, recording each. */
function scriptedHttp(steps: Step[], onDone: () => void): { http: KubeHttp; requests: string[] } {
  const requests: string[] = [];
  const next = (req: KubeRequest): Step => {
    requests.push(req.query?.watch ? `watch rv=${req.query.resourceVersion}` : 'list');
    const step = steps.shift();
    if (!step) {
      onDone();
      return { fail: new Error('script over') };
    }
    return step;
  };
  const http: KubeHttp = {
    request<T>(req: KubeRequest): Promise<T> {
      const step = next(req);
      if ('fail' in step) return Promise.reject(step.fail);
      if ('list' in step) return Promise.resolve({ metadata: { resourceVersion: step.resourceVersion }, items: step.list } as T);
      return Promise.reject(new Error('unexpected list'));
    },
    stream(req: KubeRequest, onLine: (line: string) => void): Promise<void> {
      const step = next(req);
      if ('fail' in step) return Promise.reject(step.fail);
      if (!('watch' in step)) return Promise.reject(new Error('unexpected watch'));
      try {
        for (const line of step.watch) onLine(line);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      return Promise.resolve();
    },
  };
  return { http, requests };
}

async function run(steps: Step[]): Promise<{ events: string[]; requests: string[]; names: string[] }> {
  const events: string[] = [];
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const { http, requests } = scriptedHttp(steps, () => {
    void informer.stop();
    finished();
  });
  const informer: Informer = new Informer({
    http,
    path: '/apis/x/v1/things',
    log: pino({ level: 'silent' }),
    onEvent: (type: InformerEvent, o) => events.push(`${type} ${o.metadata.name}`),
    backoffInitialMs: 1,
    backoffMaxMs: 2,
  });
  informer.start();
  await done;
  await informer.stop();
  return { events, requests, names: informer.list().map((o) => o.metadata.name) };
}

const line = (type: string, o: KubeObject | Record<string, unknown>) => JSON.stringify({ type, object: o });

describe('Informer', () => {
  it('lists, then watches from the list resourceVersion, keeping the cache up to date', async () => {
    const result = await run([
      { list: [obj('a', '1')], resourceVersion: '5' },
      { watch: [line('ADDED', obj('b', '6')), line('DELETED', obj('a', '7')), line('BOOKMARK', obj('', '9'))] },
      { watch: [] },
    ]);
    expect(result).toEqual({
      events: ['ADDED a', 'ADDED b', 'DELETED a'],
      requests: ['list', 'watch rv=5', 'watch rv=9', 'watch rv=9'],
      names: ['b'],
    });
  });

  it('resumes the watch from the last resourceVersion after a disconnect, without listing again', async () => {
    const result = await run([
      { list: [], resourceVersion: '5' },
      { watch: [line('ADDED', obj('a', '6'))] },
      { fail: new Error('ECONNRESET') },
      { watch: [line('MODIFIED', obj('a', '8'))] },
    ]);
    expect([result.requests, result.events]).toEqual([
      ['list', 'watch rv=5', 'watch rv=6', 'watch rv=6', 'watch rv=8'],
      ['ADDED a', 'MODIFIED a'],
    ]);
  });

  it('lists again after 410 Gone, reporting what vanished meanwhile', async () => {
    const result = await run([
      { list: [obj('a', '1'), obj('b', '2')], resourceVersion: '5' },
      { watch: [line('ERROR', { kind: 'Status', code: 410, message: 'too old resource version' })] },
      { list: [obj('b', '2'), obj('c', '30')], resourceVersion: '40' },
      { fail: new KubeApiError(410, 'Expired', 'gone again') },
      { list: [obj('c', '30')], resourceVersion: '50' },
    ]);
    expect([result.requests, result.events, result.names]).toEqual([
      ['list', 'watch rv=5', 'list', 'watch rv=40', 'list', 'watch rv=50'],
      ['ADDED a', 'ADDED b', 'DELETED a', 'ADDED c', 'DELETED b'],
      ['c'],
    ]);
  });

  describe('when the API server keeps failing', () => {
    it('leaves no abort listener behind from its backoff sleeps', async () => {
      const listeners: number[] = [];
      let reached: () => void = () => undefined;
      const twenty = new Promise<void>((resolve) => (reached = resolve));
      const failing: KubeHttp = {
        request(req: KubeRequest) {
          listeners.push(req.signal ? getEventListeners(req.signal, 'abort').length : -1);
          if (listeners.length === 20) reached();
          return Promise.reject(new Error('connection refused'));
        },
        stream: () => Promise.reject(new Error('unexpected watch')),
      };
      const log = pino({ level: 'silent' });
      const informer = new Informer({ http: failing, path: '/api/v1/x', log, onEvent: () => undefined, backoffInitialMs: 1, backoffMaxMs: 1 });
      informer.start();
      await twenty;
      await informer.stop();
      expect(listeners.slice(0, 20)).toEqual(Array(20).fill(listeners[0]));
    });
  });
});
