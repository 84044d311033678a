/**
 * The closed list of error codes. The HTTP and GraphQL edges map each code to a status;
 * anything else is an internal error whose details never reach a client.
 */
export const ErrorCodes = {
  INVALID_EVENT: 400,
  INVALID_JSON: 400,
  INVALID_QUERY: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  NOT_FOUND: 404,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  ORIGIN_NOT_ALLOWED: 403,
  RATE_LIMITED: 429,
  LOG_UNAVAILABLE: 503,
  LOG_OVERLOADED: 503,
  STORE_UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export class ClickstreamError extends Error {
  readonly code: ErrorCode;
  /** The offending field, dotted (`element.text`), when the error is about one. */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; field?: string } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ClickstreamError';
    this.code = code;
    this.field = options.field;
  }

  get status(): number {
    return ErrorCodes[this.code];
  }
}

export function isClickstreamError(error: unknown): error is ClickstreamError {
  return error instanceof ClickstreamError;
}
