import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/** An error that is the client's answer: a stable code (and its status), a message naming the field and what is allowed. */
export class HttpError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Readonly<Record<string, string | number>> = {},
    readonly headers: Readonly<Record<string, string>> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'HttpError';
    this.status = ERROR_CODES[code];
  }

  toJSON(): Record<string, string | number> {
    return { error: this.message, code: this.code, ...this.details };
  }
}

/** Echoes at most this many characters of client input, so a huge URL does not become a huge error body. */
const ECHO_LIMIT = 40;

/** Client input cut to a short prefix, the cut marked with an ellipsis. */
export function clip(input: string): string {
  return input.length <= ECHO_LIMIT ? input : `${input.slice(0, ECHO_LIMIT)}…`;
}

/** Client input as it appears quoted in an error message: JSON-escaped and clipped. */
export function echo(input: string): string {
  return input.length <= ECHO_LIMIT ? JSON.stringify(input) : `${JSON.stringify(input.slice(0, ECHO_LIMIT))}…`;
}

export const notFound = (path: string) => new HttpError('not_found', `no route for ${echo(path)}`);

export const shuttingDown = () => new HttpError('shutting_down', 'the server is shutting down');

export const methodNotAllowed = (method: string, allowed: readonly string[]) =>
  new HttpError('method_not_allowed', `method ${clip(method)} is not allowed; allowed: ${allowed.join(', ')}`, {}, {
    Allow: allowed.join(', '),
  });
