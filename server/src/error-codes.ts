/**
 * Every `code` the key server puts in an error body, with its status: the one list clients may rely on (the README
 * prints it). A code never changes meaning; a new failure gets a new code.
 */
export const ERROR_CODES = {
  invalid_length: 400,
  invalid_encoding: 400,
  unknown_parameter: 400,
  bad_request: 400,
  missing_host: 400,
  missing_key: 401,
  invalid_key: 401,
  malformed_authorization: 401,
  not_found: 404,
  method_not_allowed: 405,
  not_acceptable: 406,
  request_timeout: 408,
  length_too_large: 413,
  expectation_failed: 417,
  rate_limited: 429,
  too_many_failed_attempts: 429,
  headers_too_large: 431,
  internal_error: 500,
  injected_fault: 500,
  entropy_unavailable: 503,
  shutting_down: 503,
  overloaded: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_CODES;
