import type { FastifyError, FastifyInstance } from 'fastify';
import { ErrorCodes, isClickstreamError } from '../domain/errors.js';

export interface ErrorBody {
  statusCode: number;
  /** One of ErrorCodes, or the name of a Fastify 4xx (e.g. INVALID_JSON). */
  code: string;
  error: string;
  message: string;
  field?: string;
}

const RETRY_AFTER_SECONDS = '1';

/**
 * One error handler for every route: our coded errors keep their message and field; Fastify's own
 * 4xx (bad JSON, media type, body size) keep theirs; anything else is a 500 whose details stay in
 * the log, never in the answer.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const body = toErrorBody(error);
    if (body.statusCode >= 500) {
      request.log.error({ err: error }, 'request failed');
      if (body.statusCode === 503) void reply.header('retry-after', RETRY_AFTER_SECONDS);
    }
    return reply.status(body.statusCode).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      statusCode: 404,
      code: 'NOT_FOUND',
      error: 'Not Found',
      message: `no route ${request.method} ${request.url.split('?')[0]}`,
    }),
  );
}

export function toErrorBody(error: FastifyError): ErrorBody {
  if (isClickstreamError(error)) {
    const statusCode = ErrorCodes[error.code];
    const message = statusCode >= 500 && statusCode !== 503 ? 'internal error' : error.message;
    return {
      statusCode,
      code: error.code,
      error: reason(statusCode),
      message,
      ...(error.field ? { field: error.field } : {}),
    };
  }
  if (error.validation) {
    const first = error.validation[0];
    const params = first?.params as
      { missingProperty?: string; additionalProperty?: string } | undefined;
    const field =
      first?.instancePath.slice(1).replaceAll('/', '.') ||
      params?.missingProperty ||
      params?.additionalProperty ||
      error.validationContext ||
      'request';
    const rule = params?.additionalProperty
      ? 'is not a known parameter'
      : (first?.message ?? 'is invalid');
    return {
      statusCode: 400,
      code: 'INVALID_QUERY',
      error: reason(400),
      message: `${field} ${rule}`,
      field,
    };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return {
      statusCode: status,
      code: fastifyCode(error, status),
      error: reason(status),
      message: error.message,
    };
  }
  return { statusCode: 500, code: 'INTERNAL', error: reason(500), message: 'internal error' };
}

function fastifyCode(error: FastifyError, status: number): string {
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  if (
    error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    error instanceof SyntaxError
  )
    return 'INVALID_JSON';
  return error.code ?? 'BAD_REQUEST';
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function reason(status: number): string {
  return REASONS[status] ?? 'Error';
}
