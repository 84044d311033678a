/**
 * The closed list of error codes. The HTTP and GraphQL edges map each code to a status;
 * anything else is an internal error whose details never reach a client.
 */
export const ErrorCodes = {
  INVALID_EVENT: 400,
  INVALID_JSON: 400,
  INVALID_QUERY: 400,
  BAD_REQUEST: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
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

/**
 * What every error answers with: the HTTP error body, GraphQL's `extensions` (code and field), the
 * ingest batch's 400 (with its rejections beside). Shaped by `errorBodyOf` alone.
 */
export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  /** The status's reason phrase. */
  error: string;
  message: string;
  /** The offending field, dotted, when the error is about one. */
  field?: string;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Error';
}

/**
 * What a client is told of an error, on every edge: a coded error keeps its code, message and
 * field, except that a 5xx other than 503 (whose message says what to retry) says only "internal
 * error"; anything uncoded is INTERNAL, its details left to the server's log.
 */
export function errorBodyOf(error: unknown): ErrorBody {
  const coded = isClickstreamError(error) ? error : new ClickstreamError('INTERNAL', 'uncoded');
  const statusCode = ErrorCodes[coded.code];
  return {
    statusCode,
    code: coded.code,
    error: reasonPhrase(statusCode),
    message: statusCode >= 500 && statusCode !== 503 ? 'internal error' : coded.message,
    ...(coded.field ? { field: coded.field } : {}),
  };
}
