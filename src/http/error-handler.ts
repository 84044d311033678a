import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ClickstreamError,
  errorBodyOf,
  isClickstreamError,
  reasonPhrase,
  type ErrorBody,
} from '../domain/errors.js';

export type { ErrorBody } from '../domain/errors.js';

const RETRY_AFTER_SECONDS = '1';

/**
 * One error handler for every route: our coded errors keep their message and field; Fastify's own
 * 4xx (bad JSON, media type, body size, a bad URL) get a code of the closed list; anything else is
 * a 500 whose details stay in the log, never in the answer.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      new ClickstreamError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
      request,
      reply,
    ),
  );
}

/**
 * Fastify's `frameworkErrors` (serverOptions): a URL it cannot route (bad percent-encoding, a
 * parameter past its length) is answered before any route, by this same shaping.
 */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const body = toErrorBody(error as FastifyError);
  if (body.statusCode >= 500) {
    request.log.error({ err: error }, 'request failed');
    if (body.statusCode === 503) void reply.header('retry-after', RETRY_AFTER_SECONDS);
  }
  return reply.status(body.statusCode).send(body);
}

export function toErrorBody(error: FastifyError): ErrorBody {
  if (isClickstreamError(error)) return errorBodyOf(error);
  if (error.validation) return errorBodyOf(validationError(error));
  const status = error.statusCode ?? 500;
  if (status < 400 || status >= 500) return errorBodyOf(error);
  const code = fastifyCode(error, status);
  const body = errorBodyOf(new ClickstreamError(code, error.message));
  // A 4xx of the HTTP layer without a code of its own keeps its status (BAD_REQUEST's docs say so).
  return code === 'BAD_REQUEST'
    ? { ...body, statusCode: status, error: reasonPhrase(status) }
    : body;
}

/** A schema's refusal as INVALID_QUERY naming the field and the rule. */
function validationError(error: FastifyError): ClickstreamError {
  const first = error.validation?.[0];
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
  return new ClickstreamError('INVALID_QUERY', `${field} ${rule}`, { field });
}

function fastifyCode(error: FastifyError, status: number): ClickstreamError['code'] {
  if (status === 404) return 'NOT_FOUND';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 414) return 'URI_TOO_LONG';
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  if (
    error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    error instanceof SyntaxError
  )
    return 'INVALID_JSON';
  return 'BAD_REQUEST';
}
