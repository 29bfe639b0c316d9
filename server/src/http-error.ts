/** An error that is the client's answer: a status, a stable code, a message naming the field and what is allowed. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, string | number>> = {},
    readonly headers: Readonly<Record<string, string>> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'HttpError';
  }

  toJSON(): Record<string, string | number> {
    return { error: this.message, code: this.code, ...this.details };
  }
}

/** Echoes at most this much of an unknown path, so a huge URL does not become a huge error body. */
const ECHOED_PATH_LIMIT = 200;

export const notFound = (path: string) =>
  new HttpError(404, 'not_found', `no route for ${JSON.stringify(path.slice(0, ECHOED_PATH_LIMIT))}`);

export const shuttingDown = () => new HttpError(503, 'shutting_down', 'the server is shutting down');

export const methodNotAllowed = (method: string, allowed: readonly string[]) =>
  new HttpError(405, 'method_not_allowed', `method ${method} is not allowed; allowed: ${allowed.join(', ')}`, {}, {
    Allow: allowed.join(', '),
  });
