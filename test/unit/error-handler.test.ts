import type { FastifyError } from 'fastify';
import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { ClickstreamError, errorBodyOf } from '../../src/domain/errors.js';
import { toErrorBody } from '../../src/http/error-handler.js';
import { formatError, graphqlErrorOf } from '../../src/query/graphql/graphql-errors.js';

const fastifyError = (
  props: Partial<FastifyError> & { message: string },
  base: Error = new Error(props.message),
): FastifyError => Object.assign(base, props) as FastifyError;

describe('toErrorBody', () => {
  it('hides the message of an unexpected error behind a 500', () => {
    const body = toErrorBody(
      fastifyError({ message: 'SQLITE_CORRUPT at /var/lib/clickstream/store.db' }),
    );
    expect(body).toEqual({
      statusCode: 500,
      code: 'INTERNAL',
      error: 'Internal Server Error',
      message: 'internal error',
    });
    expect(JSON.stringify(body)).not.toContain('SQLITE');
  });

  it('hides the message of an INTERNAL ClickstreamError', () => {
    expect(
      toErrorBody(new ClickstreamError('INTERNAL', 'secret detail') as unknown as FastifyError),
    ).toMatchObject({ statusCode: 500, code: 'INTERNAL', message: 'internal error' });
  });

  it('hides a 5xx that came with a status of its own', () => {
    expect(
      toErrorBody(fastifyError({ message: 'upstream said no', statusCode: 502 })),
    ).toMatchObject({ statusCode: 500, message: 'internal error' });
  });

  it('keeps the code, message and field of a ClickstreamError', () => {
    const error = new ClickstreamError('INVALID_EVENT', 'page_url is required', {
      field: 'page_url',
    });
    expect(toErrorBody(error as unknown as FastifyError)).toEqual({
      statusCode: 400,
      code: 'INVALID_EVENT',
      error: 'Bad Request',
      message: 'page_url is required',
      field: 'page_url',
    });
  });

  it('keeps a 503 message, which tells the client to retry', () => {
    expect(
      toErrorBody(
        new ClickstreamError(
          'LOG_OVERLOADED',
          'event log is full; retry',
        ) as unknown as FastifyError,
      ),
    ).toEqual({
      statusCode: 503,
      code: 'LOG_OVERLOADED',
      error: 'Service Unavailable',
      message: 'event log is full; retry',
    });
  });

  it('maps Fastify 4xx errors to their codes', () => {
    expect(
      toErrorBody(
        fastifyError({
          message: 'Unsupported Media Type',
          statusCode: 415,
          code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
        }),
      ),
    ).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(
      toErrorBody(
        fastifyError({
          message: 'Request body is too large',
          statusCode: 413,
          code: 'FST_ERR_CTP_BODY_TOO_LARGE',
        }),
      ),
    ).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(
      toErrorBody(
        fastifyError({
          message: 'Unexpected token',
          statusCode: 400,
          code: 'FST_ERR_CTP_INVALID_JSON_BODY',
        }),
      ),
    ).toMatchObject({ statusCode: 400, code: 'INVALID_JSON' });
    expect(
      toErrorBody(
        fastifyError({
          message: 'Body cannot be empty',
          statusCode: 400,
          code: 'FST_ERR_CTP_EMPTY_JSON_BODY',
        }),
      ),
    ).toMatchObject({ statusCode: 400, code: 'INVALID_JSON' });
    expect(
      toErrorBody(
        fastifyError(
          { message: 'Unexpected token }', statusCode: 400 },
          new SyntaxError('Unexpected token }'),
        ),
      ),
    ).toMatchObject({ statusCode: 400, code: 'INVALID_JSON' });
  });

  it('names the field of a schema validation error', () => {
    const error = fastifyError({
      message: 'querystring/limit must be integer',
      statusCode: 400,
      validationContext: 'querystring',
      validation: [
        {
          keyword: 'type',
          instancePath: '/limit',
          schemaPath: '#/properties/limit/type',
          params: { type: 'integer' },
          message: 'must be integer',
        },
      ],
    });
    expect(toErrorBody(error)).toMatchObject({
      statusCode: 400,
      code: 'INVALID_QUERY',
      field: 'limit',
      message: 'limit must be integer',
    });
  });

  it('names an unknown query parameter', () => {
    const error = fastifyError({
      message: 'querystring must NOT have additional properties',
      statusCode: 400,
      validationContext: 'querystring',
      validation: [
        {
          keyword: 'additionalProperties',
          instancePath: '',
          schemaPath: '#/additionalProperties',
          params: { additionalProperty: 'limt' },
          message: 'must NOT have additional properties',
        },
      ],
    });
    expect(toErrorBody(error)).toMatchObject({ statusCode: 400, field: 'limt' });
  });
});

describe('one error edge: HTTP, GraphQL and the ingest batch shape errors alike', () => {
  it('gives a 4xx of the HTTP layer without a code of its own a code of the closed list, keeping its status', () => {
    expect(
      toErrorBody(
        fastifyError({
          message: 'Request body size did not match Content-Length',
          statusCode: 400,
          code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH',
        }),
      ),
    ).toEqual({
      statusCode: 400,
      code: 'BAD_REQUEST',
      error: 'Bad Request',
      message: 'Request body size did not match Content-Length',
    });
    expect(
      toErrorBody(fastifyError({ message: 'Range Not Satisfiable', statusCode: 416 })),
    ).toMatchObject({ statusCode: 416, code: 'BAD_REQUEST' });
    expect(
      toErrorBody(
        fastifyError({ message: 'too long', statusCode: 414, code: 'FST_ERR_MAX_PARAM_LENGTH' }),
      ),
    ).toMatchObject({ statusCode: 414, code: 'URI_TOO_LONG', error: 'URI Too Long' });
  });

  it('shapes a GraphQL error from the same body: code and field in extensions, the field before the message', () => {
    const error = new ClickstreamError('INVALID_QUERY', 'must be a GraphQL document', {
      field: 'query',
    });
    const body = errorBodyOf(error);
    expect(graphqlErrorOf(error).toJSON()).toEqual({
      message: `${body.field} ${body.message}`,
      extensions: { code: body.code, field: body.field },
    });
    const resolved = new GraphQLError('x', { path: ['pageViews'], originalError: error });
    expect(formatError(resolved).toJSON()).toMatchObject({
      path: ['pageViews'],
      extensions: { code: 'INVALID_QUERY', field: 'query' },
    });
  });

  it('hides an unexpected error behind INTERNAL in GraphQL as in HTTP', () => {
    const secret = new Error('SQLITE_CORRUPT at /var/lib/clickstream/store.db');
    const resolved = new GraphQLError(secret.message, { originalError: secret });
    expect(formatError(resolved).toJSON()).toEqual({
      message: 'internal error',
      extensions: { code: 'INTERNAL' },
    });
    expect(toErrorBody(secret as never)).toMatchObject({
      code: 'INTERNAL',
      message: 'internal error',
    });
  });

  it("keeps GraphQL's own errors (a parse or validation error) as graphql made them", () => {
    const own = new GraphQLError('Cannot query field "nope" on type "Query".');
    expect(formatError(own)).toBe(own);
  });
});
