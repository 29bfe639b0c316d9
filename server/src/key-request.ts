import { ENCODINGS, isEncoding, type Encoding } from './keys.js';
import { HttpError } from './http-error.js';

export interface KeyRequest {
  length: number;
  encoding: Encoding;
}

/** Digits only: `1e3`, `+7`, `0x10`, `1_000`, `1.5` and spaces are all refused, unlike Number() or parseInt(). */
const DECIMAL = /^[0-9]+$/;
const QUERY_PARAMETERS = ['encoding'] as const;

/** Parses the `<length>` path segment: a plain decimal integer in 1..maxSize. */
export function parseLength(segment: string, maxSize: number): number {
  const allowed = `1..${maxSize}`;
  if (!DECIMAL.test(segment)) {
    const shown = segment === '' ? 'an empty length' : `length ${JSON.stringify(segment)}`;
    throw new HttpError(400, 'invalid_length', `${shown} is not a decimal integer; allowed: ${allowed}`, {
      field: 'length',
      allowed,
    });
  }
  const length = Number(segment);
  if (length < 1) {
    throw new HttpError(400, 'invalid_length', `length ${segment} is below the minimum of 1; allowed: ${allowed}`, {
      field: 'length',
      allowed,
    });
  }
  if (length > maxSize) {
    throw new HttpError(413, 'length_too_large', `length ${segment} exceeds maximum size of ${maxSize}`, {
      field: 'length',
      allowed,
      maxSize,
    });
  }
  return length;
}

/** Reads `?encoding=` (the only parameter): an explicit choice that wins over the Accept header. */
export function parseQueryEncoding(query: string): Encoding | undefined {
  if (query === '') return undefined;
  const params = new URLSearchParams(query);
  for (const name of new Set(params.keys())) {
    if (!(QUERY_PARAMETERS as readonly string[]).includes(name)) {
      throw new HttpError(400, 'unknown_parameter', `unknown query parameter ${JSON.stringify(name)}; allowed: encoding`, {
        field: name,
        allowed: QUERY_PARAMETERS.join(', '),
      });
    }
  }
  const values = params.getAll('encoding');
  const allowed = ENCODINGS.join(', ');
  if (values.length > 1) {
    throw new HttpError(400, 'invalid_encoding', `encoding is given ${values.length} times; give it once`, {
      field: 'encoding',
      allowed,
    });
  }
  const value = values[0];
  if (value === undefined) return undefined;
  if (!isEncoding(value)) {
    throw new HttpError(400, 'invalid_encoding', `encoding ${JSON.stringify(value)} is not supported; allowed: ${allowed}`, {
      field: 'encoding',
      allowed,
    });
  }
  return value;
}

/**
 * The encoding of the answer: `?encoding=` if given, else raw bytes when the client asks for
 * application/octet-stream (what the original server always sent), else the server's default.
 */
export function chooseEncoding(query: string, accept: string | undefined, defaultEncoding: Encoding): Encoding {
  const fromQuery = parseQueryEncoding(query);
  if (fromQuery !== undefined) return fromQuery;
  if (accept?.includes('application/octet-stream')) return 'raw';
  return defaultEncoding;
}

export function parseKeyRequest(
  segment: string,
  query: string,
  accept: string | undefined,
  options: { maxSize: number; defaultEncoding: Encoding },
): KeyRequest {
  return {
    length: parseLength(segment, options.maxSize),
    encoding: chooseEncoding(query, accept, options.defaultEncoding),
  };
}
