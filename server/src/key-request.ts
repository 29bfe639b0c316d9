import Negotiator from 'negotiator';
import { ENCODINGS, isEncoding, type Encoding } from './keys.js';
import { clip, echo, HttpError } from './http-error.js';

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
    const shown = segment === '' ? 'an empty length' : `length ${echo(segment)}`;
    throw new HttpError('invalid_length', `${shown} is not a decimal integer; allowed: ${allowed}`, {
      field: 'length',
      allowed,
    });
  }
  const length = Number(segment);
  if (length < 1) {
    throw new HttpError('invalid_length', `length ${clip(segment)} is below the minimum of 1; allowed: ${allowed}`, {
      field: 'length',
      allowed,
    });
  }
  if (length > maxSize) {
    throw new HttpError('length_too_large', `length ${clip(segment)} exceeds maximum size of ${maxSize}`, {
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
      throw new HttpError('unknown_parameter', `unknown query parameter ${echo(name)}; allowed: encoding`, {
        field: 'parameter',
        allowed: QUERY_PARAMETERS.join(', '),
      });
    }
  }
  const values = params.getAll('encoding');
  const allowed = ENCODINGS.join(', ');
  if (values.length > 1) {
    throw new HttpError('invalid_encoding', `encoding is given ${values.length} times; give it once`, {
      field: 'encoding',
      allowed,
    });
  }
  const value = values[0];
  if (value === undefined) return undefined;
  if (!isEncoding(value)) {
    throw new HttpError('invalid_encoding', `encoding ${echo(value)} is not supported; allowed: ${allowed}`, {
      field: 'encoding',
      allowed,
    });
  }
  return value;
}

const RAW_TYPE = 'application/octet-stream';
const TEXT_TYPE = 'text/plain';

/**
 * Negotiates the Accept header (RFC 9110 §12.5.1: q-values, wildcards, case-insensitive types) between the two
 * forms a key takes: raw bytes, or text in the default encoding (hex when the default is raw). The server's
 * default form wins ties, so `*\/*` and a missing header keep it. Nothing acceptable is a 406.
 */
export function negotiateEncoding(accept: string | undefined, defaultEncoding: Encoding): Encoding {
  if (accept === undefined || accept === '*/*') return defaultEncoding;
  const textEncoding = defaultEncoding === 'raw' ? 'hex' : defaultEncoding;
  const offers = defaultEncoding === 'raw' ? [RAW_TYPE, TEXT_TYPE] : [TEXT_TYPE, RAW_TYPE];
  const chosen = new Negotiator({ headers: { accept } }).mediaType(offers);
  if (chosen === RAW_TYPE) return 'raw';
  if (chosen === TEXT_TYPE) return textEncoding;
  throw new HttpError('not_acceptable', `no acceptable form of a key for Accept ${echo(accept)}; available: ${offers.join(', ')}`, {
    field: 'accept',
    allowed: offers.join(', '),
  });
}

/** The encoding of the answer: `?encoding=` if given, else what the Accept header negotiates. */
export function chooseEncoding(query: string, accept: string | undefined, defaultEncoding: Encoding): Encoding {
  return parseQueryEncoding(query) ?? negotiateEncoding(accept, defaultEncoding);
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
