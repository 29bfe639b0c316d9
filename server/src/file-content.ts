import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Reads a whole file of at most `maxBytes`; the error names the flag and the cause (ENOENT, EACCES, too large), so
 * a start-up failure is one line and a reload failure one log entry.
 */
export function readLimited(path: string, flag: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new Error(`${flag}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) throw new Error(`${flag}: ${path} is ${size} bytes; the limit is ${maxBytes}`);
    // Read one byte more than the limit: a file that grows between fstat and read is still caught.
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (let read = 1; read > 0 && length <= maxBytes; length += read) read = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > maxBytes) throw new Error(`${flag}: ${path} is over the limit of ${maxBytes} bytes`);
    return buffer.subarray(0, length);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(flag)) throw error;
    throw new Error(`${flag}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  } finally {
    closeSync(fd);
  }
}

/** What a set of files holds now: a SHA-256 of their contents, or the error that kept one from being read. */
function fingerprint(paths: readonly string[], maxBytes: number): string {
  const hash = createHash('sha256');
  for (const path of paths) {
    try {
      hash.update(readLimited(path, path, maxBytes)).update('\0');
    } catch (error) {
      hash.update(`unreadable:${(error as Error).message}\0`);
    }
  }
  return hash.digest('hex');
}

export interface ContentWatch {
  /** Reloads now, changed or not (SIGHUP). */
  reloadNow(): void;
  stop(): void;
}

/**
 * Calls `reload` when the content of any file changes, read every `intervalMs`. By content, not `stat`: a file made
 * readable again, or rewritten within the same second at the same size, changes no mtime, inode or size, yet must
 * be seen (a revoked key has to stop working). It also sees Kubernetes' symlink swap of a mounted Secret.
 */
export function watchContent(paths: readonly string[], intervalMs: number, maxBytes: number, reload: () => void): ContentWatch {
  let seen = fingerprint(paths, maxBytes);
  const check = (force: boolean) => {
    const now = fingerprint(paths, maxBytes);
    if (now === seen && !force) return;
    seen = now;
    reload();
  };
  const timer = setInterval(() => check(false), intervalMs).unref();
  return { reloadNow: () => check(true), stop: () => clearInterval(timer) };
}
