/** An API server answer other than 2xx. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/**
 * Retrying cannot help: the input itself is wrong (an invalid spec, an object the API server rejects as invalid).
 * The key is not requeued with backoff; the next change to the KeyService (or the periodic resync) retries it.
 */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/** 400 and 422 say the request is wrong; anything else (conflicts, throttling, 5xx, the network) may pass later. */
export function isRetriable(error: unknown): boolean {
  if (error instanceof TerminalError) return false;
  if (error instanceof KubeApiError) return error.status !== 400 && error.status !== 422;
  return true;
}

/** The object a child would be applied over exists and has no controller reference to this KeyService. */
export class ChildNotOwnedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChildNotOwnedError';
  }
}

/** Creating anything in a namespace being deleted is refused with 403 until the namespace is gone. */
export function isNamespaceTerminating(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 403 && /because it is being terminated/.test(error.message);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
