import { HttpError } from '../src/http-error.js';
import { chooseEncoding, parseLength, parseQueryEncoding } from '../src/key-request.js';

function errorOf(run: () => unknown): HttpError {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected an HttpError, got a value');
}

describe('parseLength', () => {
  it.each([
    ['1', 1],
    ['32', 32],
    ['1024', 1024],
    ['007', 7],
  ])('reads %j as %d', (segment, length) => {
    expect(parseLength(segment, 1024)).toBe(length);
  });

  describe('when the segment is not a plain decimal integer', () => {
    it.each(['1e3', '+7', '0x10', '1_000', '1.5', ' 5', '5 ', '%35', '-1', 'abc', '５'])(
      'answers 400 naming the field for %j',
      (segment) => {
        expect(errorOf(() => parseLength(segment, 1024)).toJSON()).toEqual({
          error: `length ${JSON.stringify(segment)} is not a decimal integer; allowed: 1..1024`,
          code: 'invalid_length',
          field: 'length',
          allowed: '1..1024',
        });
      },
    );

    it('answers 400 for an empty segment', () => {
      const error = errorOf(() => parseLength('', 1024));
      expect([error.status, error.message]).toEqual([400, 'an empty length is not a decimal integer; allowed: 1..1024']);
    });
  });

  it('answers 400 for zero', () => {
    const error = errorOf(() => parseLength('0', 1024));
    expect([error.status, error.message]).toEqual([400, 'length 0 is below the minimum of 1; allowed: 1..1024']);
  });

  it.each(['1025', '2000', '99999999999999999999999'])('answers 413 saying %s exceeds the maximum size', (segment) => {
    const error = errorOf(() => parseLength(segment, 1024));
    expect(error.status).toBe(413);
    expect(error.toJSON()).toEqual({
      error: `length ${segment} exceeds maximum size of 1024`,
      code: 'length_too_large',
      field: 'length',
      allowed: '1..1024',
      maxSize: 1024,
    });
  });
});

describe('parseQueryEncoding', () => {
  it.each([
    ['', undefined],
    ['encoding=hex', 'hex'],
    ['encoding=base64', 'base64'],
    ['encoding=base64url', 'base64url'],
    ['encoding=raw', 'raw'],
  ])('reads %j as %s', (query, encoding) => {
    expect(parseQueryEncoding(query)).toBe(encoding);
  });

  it.each([
    ['encoding=HEX', 'invalid_encoding', 'encoding "HEX" is not supported; allowed: hex, base64, base64url, raw'],
    ['encoding=', 'invalid_encoding', 'encoding "" is not supported; allowed: hex, base64, base64url, raw'],
    ['encoding=hex&encoding=hex', 'invalid_encoding', 'encoding is given 2 times; give it once'],
    ['format=hex', 'unknown_parameter', 'unknown query parameter "format"; allowed: encoding'],
  ])('answers 400 for %j', (query, code, message) => {
    const error = errorOf(() => parseQueryEncoding(query));
    expect([error.status, error.code, error.message]).toEqual([400, code, message]);
  });
});

describe('chooseEncoding', () => {
  it('prefers the query over the Accept header and the default', () => {
    expect(chooseEncoding('encoding=base64', 'application/octet-stream', 'hex')).toBe('base64');
  });

  it('answers raw bytes when the client accepts application/octet-stream', () => {
    expect(chooseEncoding('', 'application/octet-stream', 'hex')).toBe('raw');
  });

  it.each([undefined, '*/*', 'text/plain'])('falls back to the default for Accept %j', (accept) => {
    expect(chooseEncoding('', accept, 'base64url')).toBe('base64url');
  });
});
