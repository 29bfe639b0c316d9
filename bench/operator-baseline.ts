// The baseline of bench:operator: the least a client can do to bring N KeyServices to their desired state. It
// lists the KeyServices of one namespace once, then server-side applies the exact children the operator builds
// (the operator's own builders, from the built JS) and writes each status, as many KeyServices at once as the
// operator has workers: no watch, no cache, no queue, no reads before a write. What is left is the API server's
// own cost, on this machine, now. Usage: node bench/operator-baseline.ts <namespace> (KUBECONFIG in the environment);
// prints "ready" once loaded and connected, starts on a line on stdin (so that, like the operator's, its start-up is
// not timed), and ends with one JSON line {requests, seconds}.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type * as ApplyPlan from '../operator/src/apply-plan.js';
import type * as Children from '../operator/src/desired/children.js';
import type * as Labels from '../operator/src/desired/labels.js';
import type * as Service from '../operator/src/desired/service.js';
import type * as Config from '../operator/src/config.js';
import type * as Connection from '../operator/src/kube-connection.js';
import type * as Http from '../operator/src/kube-http.js';
import type * as Kube from '../operator/src/kube.js';
import type * as Spec from '../operator/src/spec.js';
import type * as Status from '../operator/src/status.js';
import type * as MetaTime from '../operator/src/meta-time.js';

// Plain node runs this file and cannot resolve the sources' `.js` imports, so the built operator is loaded; the
// type-only imports above keep the calls checked against the sources.
const built = <T>(path: string) => import(new URL(`../dist/operator/src/${path}`, import.meta.url).href) as Promise<T>;
const { withAppliedDigest } = await built<typeof ApplyPlan>('apply-plan.js');
const { buildChildren } = await built<typeof Children>('desired/children.js');
const { FIELD_MANAGER, selectorLabelsForKeyService } = await built<typeof Labels>('desired/labels.js');
const { endpointForKeyService } = await built<typeof Service>('desired/service.js');
const { parseOperatorCommand } = await built<typeof Config>('config.js');
const { loadConnection } = await built<typeof Connection>('kube-connection.js');
const { createKubeHttp } = await built<typeof Http>('kube-http.js');
const { createKubeApi, resourcePath } = await built<typeof Kube>('kube.js');
const { API_VERSION, KIND, PLURAL, parseSpec } = await built<typeof Spec>('spec.js');
const { computeStatus } = await built<typeof Status>('status.js');
const { metaTime } = await built<typeof MetaTime>('meta-time.js');

/** Its requests in the audit log: apart from the operator's, whose User-Agent starts with keyservice-operator. */
const USER_AGENT = 'keyservice-bench-baseline';

const namespace = process.argv[2] ?? '';
const command = parseOperatorCommand([], {});
if (command.kind !== 'run') throw new Error('the operator defaults did not parse');
const { workers, image } = command.config;
const options = {
  defaultImage: image,
  dashboardJson: readFileSync(new URL('../helm-chart/dashboards/keyservice.json', import.meta.url), 'utf8'),
};

let requests = 0;
const http = createKubeHttp(await loadConnection(process.env), { userAgent: USER_AGENT, observe: () => (requests += 1) });
const api = createKubeApi(http);
process.stdout.write('ready\n');
await once(process.stdin, 'data');
const started = performance.now();
const list = await http.request<Kube.ObjectList>({ method: 'GET', path: resourcePath(API_VERSION, PLURAL, namespace) });

async function bringUp(raw: Kube.KubeObject): Promise<void> {
  const parsed = parseSpec(raw.spec);
  if (!parsed.ok) throw new Error(`${raw.metadata.name}: ${parsed.problems.join('; ')}`);
  const { name, uid = '', generation = 0 } = raw.metadata;
  const ks: Spec.KeyService = { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace, uid, generation }, spec: parsed.spec };
  for (const child of buildChildren(ks, options)) {
    if (child.object !== null) await api.apply(withAppliedDigest(child.object) as Kube.KubeObject, child.type.plural, FIELD_MANAGER);
  }
  const selector = Object.entries(selectorLabelsForKeyService(ks)).map(([k, v]) => `${k}=${v}`).join(',');
  const status = computeStatus({
    generation,
    previous: [],
    now: metaTime(new Date()),
    selector,
    endpoint: endpointForKeyService(ks),
    deployment: null,
    monitoring: 'applied',
    alerting: 'not-configured',
    failure: null,
  });
  await api.patchStatus(API_VERSION, PLURAL, namespace, name, status);
}

const queue = [...list.items];
await Promise.all(
  Array.from({ length: workers }, async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) await bringUp(next);
  }),
);
process.stdout.write(`${JSON.stringify({ requests, seconds: (performance.now() - started) / 1000 })}\n`);
process.stdin.destroy();
