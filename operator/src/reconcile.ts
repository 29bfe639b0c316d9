import type { Logger } from 'pino';
import { applyChild } from './child-apply.js';
import { buildChildren, type ChildKind, type OptionalApi } from './desired/children.js';
import { canonicalJson } from './desired/config-hash.js';
import { type DesiredOptions, selectorLabelsForKeyService } from './desired/labels.js';
import { buildApiKeysSecret, planApiKeys, storedKeysOf, type ApiKeysPlan, type StoredKey } from './desired/api-keys.js';
import { endpointForKeyService } from './desired/service.js';
import { ChildNotOwnedError, TerminalError, errorMessage, isNamespaceTerminating } from './errors.js';
import { recordEvent, type EventCounts } from './event-recorder.js';
import type { TerminatingNamespaces } from './terminating-namespaces.js';
import type { KubeApi, KubeObject } from './kube.js';
import { isPaused, pausedStatus, withControlState } from './control-annotations.js';
import type { OptionalWatch } from './optional-watches.js';
import { Reason, type ReasonName } from './reasons.js';
import { API_VERSION, KIND, PLURAL, durationMs, nameProblem, parseSpec, type KeyService, type KeyServiceSpec, type KeyServiceStatus } from './spec.js';
import {
  computeStatus,
  observeDeployment,
  transitionEvents,
  type AlertingState,
  type MonitoringState,
} from './status.js';
import { metaTime } from './meta-time.js';

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
  /** How often each Event was recorded: repeats raise its count instead of adding an Event. */
  eventCounts: EventCounts;
  terminatingNamespaces: TerminatingNamespaces;
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
  return `spec.auth needs the operator to read and write Secrets, and it cannot (${why}). Install with the Secrets grant (helm: operator.secretsAccess=true; kustomize: the manifests/components/secrets-access component).`;
}

function withKeys(outcome: Outcome, ks: KeyService, planned: ReturnType<typeof planKeysFor>): Outcome {
  if (planned === null) return outcome;
  const { plan, problem } = planned;
  const auth = { status: 'True' as const, reason: Reason.KeysServed, message: `The pods accept ${plan.keys.length} key(s); clients use ${plan.current.name}.` };
  return { ...outcome, auth, repaired: repairOf(ks, problem), apiKeys: { currentKey: plan.current.name, nextRotation: metaTime(plan.nextRotation) }, requeueAt: plan.nextEventAt };
}

type ChildFailure = { kind: string; error: unknown };

/**
 * Applies every child the KeyService implies and returns those that failed. Every child is tried: one that fails (a
 * clash, a rejected field) must not keep the others from their state. `keys` is the API keys plan, or 'skip' when
 * the Secret may not be touched (no Secret access).
 */
async function applyChildren(ks: KeyService, deps: ReconcileDeps, keys: ReturnType<typeof planKeysFor> | 'skip'): Promise<ChildFailure[]> {
  const failures: ChildFailure[] = [];
  for (const built of buildChildren(ks, deps.options)) {
    if (built.type.kind === 'Secret' && keys === 'skip') continue;
    const child = keys && keys !== 'skip' && built.type.kind === 'Secret' ? { ...built, object: buildApiKeysSecret(ks, keys.plan, deps.options) } : built;
    if (child.type.api !== null && !deps.apiAvailable(child.type.api)) continue;
    const cached = deps.children[child.type.kind]?.get(`${ks.metadata.namespace}/${ks.metadata.name}`);
    try {
      await applyChild(child, ks, { api: deps.api, cached });
    } catch (error) {
      failures.push({ kind: child.type.kind, error });
      // Nothing can be created in a namespace being deleted: the other children would only be refused too.
      if (isNamespaceTerminating(error)) break;
    }
  }
  return failures;
}

async function applyAll(ks: KeyService, deps: ReconcileDeps): Promise<Outcome> {
  const outcome = baseOutcome(ks, deps);
  const blocked = secretsBlocked(ks, deps);
  const planned = blocked === null ? planKeysFor(ks, deps) : null;
  const failures = await applyChildren(ks, deps, blocked === null ? planned : 'skip');
  const done = blocked === null ? withKeys(outcome, ks, planned) : { ...outcome, auth: { status: 'False' as const, reason: Reason.SecretAccessMissing, message: blocked } };
  return failures.length === 0 ? done : { ...done, ...failedParts(outcome, failures), failure: failureOf(ks, failures) };
}

/** Conditions of children that failed say so, and no endpoint is reported without its Service. */
function failedParts(outcome: Outcome, failures: ChildFailure[]): Pick<Outcome, 'monitoring' | 'alerting' | 'endpoint'> {
  const failed = new Set(failures.map((f) => f.kind));
  return {
    monitoring: failed.has('ServiceMonitor') || failed.has('PrometheusRule') ? 'failed' : outcome.monitoring,
    alerting: failed.has('AlertmanagerConfig') ? 'failed' : outcome.alerting,
    endpoint: failed.has('Service') ? '' : outcome.endpoint,
  };
}

function failureOf(ks: KeyService, failures: ChildFailure[]): Failure {
  const terminating = failures.find((f) => isNamespaceTerminating(f.error));
  if (terminating) return { reason: Reason.ApplyFailed, message: errorMessage(terminating.error), error: terminating.error as Error };
  const notOwned = failures.filter((f) => f.error instanceof ChildNotOwnedError);
  const failed = failures.filter((f) => !(f.error instanceof ChildNotOwnedError));
  const parts = [
    ...notOwned.map((f) => errorMessage(f.error)),
    ...failed.map((f) => `Applying the ${f.kind} ${ks.metadata.name} failed: ${errorMessage(f.error)}`),
  ];
  const advice = failed.length > 0 ? " Check the operator's RBAC and the fields of the KeyService; the operator retries with backoff." : '';
  const message = `${parts.join('. ')}.${advice}`;
  return { reason: notOwned.length > 0 ? Reason.ChildNotOwned : Reason.ApplyFailed, message, error: new Error(message) };
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

async function writeStatus(raw: KubeObject, status: KeyServiceStatus, deps: ReconcileDeps, now: string): Promise<void> {
  const previous = (raw.status ?? {}) as KeyServiceStatus;
  if (canonicalJson(previous) === canonicalJson(status)) return;
  await deps.api.patchStatus(API_VERSION, PLURAL, raw.metadata.namespace ?? '', raw.metadata.name, status);
  for (const event of transitionEvents(previous.conditions ?? [], status.conditions ?? [])) {
    // An Event is a courtesy to the user: failing to record one must not fail the reconcile.
    await recordEvent(deps.api, deps.eventCounts, { owner: raw, event, now, identity: deps.identity }).catch((error: unknown) => {
      if (isNamespaceTerminating(error)) deps.terminatingNamespaces.note(raw.metadata.namespace ?? '', deps.now().getTime());
      else deps.log.warn({ err: errorMessage(error), reason: event.reason }, 'could not record an event');
    });
  }
}

/** The spec parsed, and the name checked: a name the CRD now refuses may be stored from before. */
function parseKeyService(raw: KubeObject): ReturnType<typeof parseSpec> {
  const parsed = parseSpec(raw.spec);
  const badName = nameProblem(raw.metadata.name);
  if (badName === null) return parsed;
  return { ok: false, problems: [badName, ...(parsed.ok ? [] : parsed.problems)] };
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

/** True when the KeyService is not to be reconciled now: paused (its status says so), or its namespace is going. */
async function leftAlone(raw: KubeObject, deps: ReconcileDeps): Promise<boolean> {
  if (isPaused(raw)) {
    const at = metaTime(deps.now());
    await writeStatus(raw, pausedStatus(raw, at), deps, at);
    return true;
  }
  // A namespace being deleted takes its KeyServices with it: no apply, status or Event there can help.
  return deps.terminatingNamespaces.has(raw.metadata.namespace ?? '', deps.now().getTime());
}

/**
 * Brings one KeyService's children to the desired state and writes its status once, at the end. Level-triggered:
 * it reads everything from the caches, whatever event caused it. Throws when the key should be retried.
 */
export async function reconcile(key: string, deps: ReconcileDeps): Promise<number | undefined> {
  const raw = deps.keyServices.get(key);
  // A deleted KeyService needs nothing: owner references let the garbage collector remove its children.
  if (!raw || raw.metadata.deletionTimestamp) return undefined;
  if (await leftAlone(raw, deps)) return undefined;
  const namespace = raw.metadata.namespace ?? '';

  const parsed = parseKeyService(raw);
  const outcome = parsed.ok ? await applyAll(toKeyService(raw, parsed.spec), deps) : invalidSpec(parsed.problems);
  if (isNamespaceTerminating(outcome.failure?.error)) {
    deps.terminatingNamespaces.note(namespace, deps.now().getTime());
    deps.log.info({ namespace }, 'namespace is being deleted; its KeyServices are left alone');
    return undefined;
  }

  const now = metaTime(deps.now());
  const status = withControlState(statusFor(raw, outcome, deps.children.Deployment?.get(key), now), raw, now);
  await writeStatus(raw, status, deps, now);

  // An invalid spec waits for the next change; a failed apply (even a 422) is retried with backoff, since a clash
  // can be resolved by someone else and an API server can change its mind (an admission webhook, a quota).
  const error = outcome.failure?.error;
  if (error) throw error;
  return outcome.requeueAt === undefined ? undefined : Math.max(0, outcome.requeueAt.getTime() - deps.now().getTime());
}
