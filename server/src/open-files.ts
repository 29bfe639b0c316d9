import { readFileSync } from 'node:fs';

/** File descriptors kept free for the metrics port, the watched files, logs and Node itself. */
export const RESERVED_DESCRIPTORS = 128;

/** The soft limit on open files (`ulimit -n`) from /proc; undefined where it cannot be read or is unlimited. */
export function readOpenFilesLimit(limitsFile = '/proc/self/limits'): number | undefined {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(readFileSync(limitsFile, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/**
 * The connection cap that leaves room under the open-files limit: once the API port had taken every descriptor,
 * the metrics port could no longer accept a probe or a scrape. At least one connection is always allowed.
 */
export function fitConnectionsToLimit(requested: number, openFilesLimit: number | undefined): number {
  if (openFilesLimit === undefined) return requested;
  return Math.max(1, Math.min(requested, openFilesLimit - RESERVED_DESCRIPTORS));
}
