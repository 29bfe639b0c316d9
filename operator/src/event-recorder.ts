import { createHash } from 'node:crypto';
import { FIELD_MANAGER } from './desired/labels.js';
import { KubeApiError } from './errors.js';
import type { KubeApi, KubeObject } from './kube.js';
import { API_VERSION, KIND } from './spec.js';
import type { EventRecord } from './status.js';

/** How many times each Event (by name) was recorded by this process: client-go's event correlator, in small. */
export type EventCounts = Map<string, number>;

export interface EventToRecord {
  owner: KubeObject;
  event: EventRecord;
  now: string;
  identity: string;
}

/** One name per KeyService, type and reason: the same event again raises the count of that one object. */
export function eventName(owner: KubeObject, event: EventRecord): string {
  const digest = createHash('sha256')
    .update(`${owner.metadata.uid ?? ''}/${event.type}/${event.reason}`)
    .digest('hex')
    .slice(0, 16);
  return `${owner.metadata.name}.${digest}`;
}

function eventObject(name: string, { owner, event, now, identity }: EventToRecord): KubeObject {
  const { name: ownerName, namespace, uid } = owner.metadata;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace },
    involvedObject: { apiVersion: API_VERSION, kind: KIND, name: ownerName, namespace, uid },
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

/**
 * Records an Event, or raises the count and lastTimestamp of the one recorded before for the same KeyService, type
 * and reason. After a restart this process does not know the stored count; the Event then counts on from 2.
 */
export async function recordEvent(api: KubeApi, counts: EventCounts, record: EventToRecord): Promise<void> {
  const name = eventName(record.owner, record.event);
  const namespace = record.owner.metadata.namespace ?? '';
  const seen = counts.get(name);
  if (seen === undefined) {
    try {
      await api.createEvent(eventObject(name, record));
      counts.set(name, 1);
      return;
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 409)) throw error;
    }
  }
  const count = (seen ?? 1) + 1;
  await api.patchEvent(namespace, name, { count, lastTimestamp: record.now, message: record.event.message });
  counts.set(name, count);
}
