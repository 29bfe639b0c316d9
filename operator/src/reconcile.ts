import type { Logger } from 'pino';
import { isAppliedIn, isControlledBy, ownsReplicas } from './apply-plan.js';
import { buildChildren, type ChildKind, type DesiredChild, type OptionalApi } from './desired/children.js';
import { canonicalJson } from './desired/config-hash.js';
import { FIELD_MANAGER, type DesiredOptions, selectorLabelsForKeyService } from './desired/labels.js';
import { buildApiKeysSecret, planApiKeys, storedKeysOf, type ApiKeysPlan, type StoredKey } from './desired/api-keys.js';
import { endpointForKeyService } from './desired/service.js';
import { TerminalError, errorMessage, isRetriable } from './errors.js';
import type { KubeApi, KubeObject } from './kube.js';
import { isPaused, pausedStatus, withControlState } from './control-annotations.js';
import type { OptionalWatch } from './optional-watches.js';
import { Reason, type ReasonName } from './reasons.js';
import { API_VERSION, KIND, PLURAL, durationMs, parseSpec, type KeyService, type KeyServiceSpec, type KeyServiceStatus } from './spec.js';
import {
  computeStatus,
  observeDeployment,
  transitionEvents,
  type AlertingState,
  type EventRecord,
  type MonitoringState,
} from './status.js';

/** Hands spec.replicas to a manager that never applies again, so dropping it from our apply keeps its value. */
export const REPLICAS_HANDOFF_MANAGER = 'keyservice-operator-replicas-handoff';

export interface ObjectCache {
  get(key: string): KubeObject | undefined;
}

export interface ReconcileDeps {
  api: KubeApi;
  /** A fresh API key (crypto-random in the operator, fixed in tests). */
  mintKey: (now: Date) => StoredKey;
  keyServices: ObjectCache;
  /** Caches of the children by kind; a kind of an optional API is absent while its CRD is not installed. */
  children: Partial<Record<ChildKind, ObjectCache>>;
  apiAvailable: (api: OptionalApi) => boolean;
  /** Why an optional watch failed (forbidden, failing), or null; absent means none ever fails. */
  watchFailure?: (watch: OptionalWatch) => string | null;
  options: DesiredOptions;
  now: () => Date;
  log: Logger;
  identity: string;
}

interface Failure {
  reason: ReasonName;
  message: string;
  error: Error;
}

interface Outcome {
  failure: Failure | null;
  monitoring: MonitoringState;
  alerting: AlertingState;
  endpoint: string;
  apiKeys?: { currentKey: string; nextRotation: string };
  /** AuthReady, while spec.auth is enabled. */
  auth?: { status: 'True' | 'False'; reason: ReasonName; message: string };
  /** A repair made along the way: reported as Degraded (with an Event) but not retried. */
  repaired?: { reason: ReasonName; message: string } | undefined;
  /** When the KeyService must be looked at again although nothing changed (the next key rotation step). */
  requeueAt?: Date;
}

function monitoringState(ks: KeyService, available: boolean, failed: boolean): MonitoringState {
  if (!ks.spec.serviceMonitor.enabled && !ks.spec.alerts.enabled) return 'disabled';
  return available ? 'applied' : failed ? 'unavailable' : 'crds-missing';
}

function alertingState(ks: KeyService, available: boolean, failed: boolean): AlertingState {
  if (ks.spec.alerting.slack === undefined && ks.spec.alerting.email === undefined) return 'not-configured';
  return available ? 'applied' : failed ? 'unavailable' : 'crds-missing';
}

/** True when the Deployment's replicas must first pass to the handoff manager (autoscaling just turned on). */
function needsReplicasHandoff(child: DesiredChild, ks: KeyService, live: KubeObject | undefined): live is KubeObject {
  return child.type.kind === 'Deployment' && ks.spec.autoscaling.enabled && live !== undefined && ownsReplicas(live, FIELD_MANAGER);
}

async function handOffReplicas(ks: KeyService, live: KubeObject, deps: ReconcileDeps): Promise<void> {
  const replicas = (live.spec as { replicas?: number } | undefined)?.replicas ?? 1;
  const { name, namespace } = ks.metadata;
  const partial = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { replicas } };
  await deps.api.apply(partial, 'deployments', REPLICAS_HANDOFF_MANAGER);
}

async function applyChild(child: DesiredChild, ks: KeyService, deps: ReconcileDeps): Promise<void> {
  const { name, namespace, uid } = ks.metadata;
  const live = deps.children[child.type.kind]?.get(`${namespace}/${name}`);
  if (child.object === null) {
    if (live && isControlledBy(live, uid)) await deps.api.remove(child.type.apiVersion, child.type.plural, namespace, name);
    return;
  }
  const handoff = needsReplicasHandoff(child, ks, live);
  if (live && !handoff && isAppliedIn(child.object, live)) return;
  if (handoff) await handOffReplicas(ks, live, deps);
  await deps.api.apply(child.object as KubeObject, child.type.plural, FIELD_MANAGER);
}

/**
 * The API keys step of spec.auth: the stored keys rotated one step if due. The Secret it implies depends on the
 * stored keys and the clock, so it is built here and handed to the same apply as every other child.
 */
function planKeysFor(ks: KeyService, deps: ReconcileDeps): { plan: ApiKeysPlan; problem: string | null } | null {
  if (!ks.spec.auth.enabled) return null;
  const live = deps.children.Secret?.get(`${ks.metadata.namespace}/${ks.metadata.name}`) as Parameters<typeof storedKeysOf>[0];
  const stored = storedKeysOf(live, deps.now(), durationMs(ks.spec.auth.propagation));
  return { plan: planApiKeys(stored.keys, deps.now(), ks, deps.mintKey), problem: stored.problem };
}

function baseOutcome(ks: KeyService, deps: ReconcileDeps): Outcome {
  return {
    failure: null,
    monitoring: monitoringState(ks, deps.apiAvailable('monitoring'), !!deps.watchFailure?.('monitoring')),
    alerting: alertingState(ks, deps.apiAvailable('alerting'), !!deps.watchFailure?.('alerting')),
    endpoint: endpointForKeyService(ks),
  };
}

/** Why spec.auth cannot be served: the operator may not read and write Secrets (the default install). */
function secretsBlocked(ks: KeyService, deps: ReconcileDeps): string | null {
  if (!ks.spec.auth.enabled || deps.children.Secret !== undefined) return null;
  const why = deps.watchFailure?.('secrets') ?? 'the Secret watch has not started';
  return `spec.auth needs the operator to read and write Secrets, and it cannot (${why}). Install with the Secrets grant (helm: auth.manageSecrets=true; kustomize: the components/secrets-access component).`;
}

function withKeys(outcome: Outcome, ks: KeyService, planned: ReturnType<typeof planKeysFor>): Outcome {
  if (planned === null) return outcome;
  const { plan, problem } = planned;
  const iso = (date: Date) => date.toISOString().replace(/\.\d+Z$/, 'Z');
  const auth = { status: 'True' as const, reason: Reason.KeysServed, message: `The pods accept ${plan.keys.length} key(s); clients use ${plan.current.name}.` };
  return { ...outcome, auth, repaired: repairOf(ks, problem), apiKeys: { currentKey: plan.current.name, nextRotation: iso(plan.nextRotation) }, requeueAt: plan.nextEventAt };
}

async function applyAll(ks: KeyService, deps: ReconcileDeps): Promise<Outcome> {
  const outcome = baseOutcome(ks, deps);
  const blocked = secretsBlocked(ks, deps);
  const planned = blocked === null ? planKeysFor(ks, deps) : null;
  for (const built of buildChildren(ks, deps.options)) {
    if (built.type.kind === 'Secret' && blocked !== null) continue;
    const child = planned && built.type.kind === 'Secret' ? { ...built, object: buildApiKeysSecret(ks, planned.plan, deps.options) } : built;
    if (child.type.api !== null && !deps.apiAvailable(child.type.api)) continue;
    try {
      await applyChild(child, ks, deps);
    } catch (error) {
      const message = `Applying the ${child.type.kind} ${ks.metadata.name} failed: ${errorMessage(error)}. Check the operator's RBAC and the fields of the KeyService.`;
      return { ...outcome, failure: { reason: Reason.ApplyFailed, message, error: error as Error } };
    }
  }
  if (blocked !== null) return { ...outcome, auth: { status: 'False', reason: Reason.SecretAccessMissing, message: blocked } };
  return withKeys(outcome, ks, planned);
}

function repairOf(ks: KeyService, problem: string | null): Outcome['repaired'] {
  if (problem === null) return undefined;
  const message = `The API keys Secret ${ks.metadata.name} was not as the operator left it (${problem}); it was rewritten keeping every key the pods accepted and the current key current.`;
  return { reason: Reason.ApiKeysRepaired, message };
}

function invalidSpec(problems: string[]): Outcome {
  const message = `The spec is invalid: ${problems.join('; ')}. Fix the KeyService; nothing is applied until then.`;
  const failure = { reason: Reason.InvalidSpec, message, error: new TerminalError(message) };
  return { failure, monitoring: 'blocked', alerting: 'blocked', endpoint: '' };
}

function eventObject(raw: KubeObject, event: EventRecord, now: string, identity: string): KubeObject {
  const { name, namespace, uid } = raw.metadata;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${name}.${Date.parse(now).toString(16)}${Math.random().toString(16).slice(2, 8)}`, namespace },
    involvedObject: { apiVersion: API_VERSION, kind: KIND, name, namespace, uid },
    type: event.type,
    reason: event.reason,
    message: event.message,
    source: { component: FIELD_MANAGER },
    reportingComponent: FIELD_MANAGER,
    reportingInstance: identity,
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
}

async function writeStatus(raw: KubeObject, status: KeyServiceStatus, deps: ReconcileDeps, now: string): Promise<void> {
  const previous = (raw.status ?? {}) as KeyServiceStatus;
  if (canonicalJson(previous) === canonicalJson(status)) return;
  await deps.api.patchStatus(API_VERSION, PLURAL, raw.metadata.namespace ?? '', raw.metadata.name, status);
  for (const event of transitionEvents(previous.conditions ?? [], status.conditions ?? [])) {
    // An Event is a courtesy to the user: failing to record one must not fail the reconcile.
    await deps.api.createEvent(eventObject(raw, event, now, deps.identity)).catch((error: unknown) => {
      deps.log.warn({ err: errorMessage(error), reason: event.reason }, 'could not record an event');
    });
  }
}

function toKeyService(raw: KubeObject, spec: KeyServiceSpec): KeyService {
  const { name, namespace = '', uid = '', generation = 0 } = raw.metadata;
  return { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace, uid, generation }, spec };
}

function selectorFor(name: string): string {
  const labels = selectorLabelsForKeyService({ metadata: { name } } as KeyService);
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function statusFor(raw: KubeObject, outcome: Outcome, deployment: KubeObject | undefined, now: string): KeyServiceStatus {
  const failure = outcome.failure;
  return computeStatus({
    generation: raw.metadata.generation ?? 0,
    previous: ((raw.status ?? {}) as KeyServiceStatus).conditions ?? [],
    now,
    selector: selectorFor(raw.metadata.name),
    endpoint: outcome.endpoint,
    deployment: deployment ? observeDeployment(deployment) : null,
    monitoring: outcome.monitoring,
    alerting: outcome.alerting,
    apiKeys: outcome.apiKeys,
    auth: outcome.auth,
    failure: failure ? { reason: failure.reason, message: failure.message } : (outcome.repaired ?? null),
  });
}

/**
 * Brings one KeyService's children to the desired state and writes its status once, at the end. Level-triggered:
 * it reads everything from the caches, whatever event caused it. Throws when the key should be retried.
 */
export async function reconcile(key: string, deps: ReconcileDeps): Promise<number | undefined> {
  const raw = deps.keyServices.get(key);
  // A deleted KeyService needs nothing: owner references let the garbage collector remove its children.
  if (!raw || raw.metadata.deletionTimestamp) return undefined;
  if (isPaused(raw)) {
    const at = deps.now().toISOString().replace(/\.\d+Z$/, 'Z');
    await writeStatus(raw, pausedStatus(raw, at), deps, at);
    return undefined;
  }

  const parsed = parseSpec(raw.spec);
  const outcome = parsed.ok ? await applyAll(toKeyService(raw, parsed.spec), deps) : invalidSpec(parsed.problems);

  const now = deps.now().toISOString().replace(/\.\d+Z$/, 'Z');
  const status = withControlState(statusFor(raw, outcome, deps.children.Deployment?.get(key), now), raw, now);
  await writeStatus(raw, status, deps, now);

  const error = outcome.failure?.error;
  if (error) throw isRetriable(error) ? error : new TerminalError(errorMessage(error), { cause: error });
  return outcome.requeueAt === undefined ? undefined : Math.max(0, outcome.requeueAt.getTime() - deps.now().getTime());
}
