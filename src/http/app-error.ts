/**
 * The one error type. A closed list of codes, each with its HTTP status and title; the error
 * middleware turns any AppError into RFC 9457 application/problem+json. `internalMessage` goes
 * to the log only, never to the client.
 */
export const ERROR_CODES = {
  bad_request: { status: 400, title: 'Bad request' },
  validation_failed: { status: 400, title: 'Request validation failed' },
  unauthorized: { status: 401, title: 'Missing, unknown or revoked API key' },
  account_limited: { status: 403, title: 'Account limit reached' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  precondition_failed: { status: 412, title: 'Precondition failed' },
  request_timeout: { status: 408, title: 'Request timeout' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  unprocessable: { status: 422, title: 'Unprocessable content' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One offending input: a JSON path such as `lanes[2].region_id` or `rows[17].quantity`. */
export interface FieldError {
  path: string;
  message: string;
}

export interface AppErrorOptions {
  errors?: FieldError[];
  /** Extra problem members, e.g. { quantity_available: 3 } or { reason: 'no_skus' }. */
  extensions?: Record<string, unknown>;
  internalMessage?: string;
  headers?: Record<string, string>;
}

export class AppError extends Error {
  readonly status: number;
  readonly title: string;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly options: AppErrorOptions = {},
  ) {
    super(options.internalMessage ?? detail);
    this.name = 'AppError';
    this.status = ERROR_CODES[code].status;
    this.title = ERROR_CODES[code].title;
  }
}

export const notFound = (what: string, id: string) => new AppError('not_found', `${what} '${id}' was not found`);

export { formatFieldPath } from '../shared/field-path';
