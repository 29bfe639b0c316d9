import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One line of the API server's JSON audit log (audit.k8s.io/v1 Event), the fields the tests read. */
export interface AuditEvent {
  stage: string;
  verb: string;
  user: { username: string };
  userAgent?: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string; subresource?: string };
  responseStatus?: { code?: number };
  requestReceivedTimestamp: string;
}

/** The verbs the audit policy of up.sh records: every write. */
export const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'] as const;

/** Where up.sh told the API server to write its audit log (AUDIT_LOG in the cluster's env file). */
export function auditLogPath(clusterDir: string): string {
  const line = readFileSync(join(clusterDir, 'env'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('AUDIT_LOG='));
  if (line === undefined) throw new Error(`${clusterDir}/env has no AUDIT_LOG: the cluster was started by an older up.sh`);
  return line.slice('AUDIT_LOG='.length);
}

/** A place in the log: the events after it are those of requests answered after the mark was taken. */
export function auditMark(path: string): number {
  return statSync(path).size;
}

/**
 * The completed requests logged since `mark`. The log backend writes each event before the API server answers
 * (blocking mode, its default), so a request whose response was seen is in the file.
 */
export function auditEventsSince(path: string, mark = 0): AuditEvent[] {
  const size = statSync(path).size;
  const buffer = Buffer.alloc(Math.max(0, size - mark));
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, mark);
  } finally {
    closeSync(fd);
  }
  const text = buffer.toString('utf8');
  // A line still being written when the file was read is left for the next read.
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  return complete
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AuditEvent)
    .filter((e) => e.stage === 'ResponseComplete' || e.stage === 'Panic');
}

export interface WriteFilter {
  /** The client's User-Agent starts with this (the operator sends `keyservice-operator`). */
  userAgent?: string;
  namespace?: string;
  /** Resources left out, such as leases (leader election renews its Lease every few seconds by design). */
  excludeResources?: string[];
}

/** The write requests since `mark` that match the filter, as `verb resource[/subresource] namespace/name code`. */
export function writesSince(path: string, mark: number, filter: WriteFilter = {}): string[] {
  return auditEventsSince(path, mark)
    .filter((e) => (WRITE_VERBS as readonly string[]).includes(e.verb))
    .filter((e) => filter.userAgent === undefined || (e.userAgent ?? '').startsWith(filter.userAgent))
    .filter((e) => filter.namespace === undefined || e.objectRef?.namespace === filter.namespace)
    .filter((e) => !(filter.excludeResources ?? []).includes(e.objectRef?.resource ?? ''))
    .map((e) => {
      const ref = e.objectRef ?? {};
      const resource = ref.subresource ? `${ref.resource ?? ''}/${ref.subresource}` : (ref.resource ?? '');
      return `${e.verb} ${resource} ${ref.namespace ?? ''}/${ref.name ?? ''} ${e.responseStatus?.code ?? ''}`;
    });
}
