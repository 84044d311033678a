import { GraphQLError } from 'graphql';
import { errorBodyOf, isClickstreamError } from '../../domain/errors.js';

/**
 * GraphQL's errors, shaped by the same `errorBodyOf` as the HTTP error handler: the code and field
 * in `extensions`, the message prefixed by the field it is about; an internal error's message
 * replaced by "internal error". Resolver errors pass through mercurius' formatter (`formatError`);
 * those thrown where it does not look — a subscription's start, a refusal before execution — are
 * made here too (`graphqlErrorOf`).
 */
export function graphqlErrorOf(error: unknown, path?: GraphQLError['path']): GraphQLError {
  const body = errorBodyOf(error);
  return new GraphQLError(body.field ? `${body.field} ${body.message}` : body.message, {
    path,
    extensions: { code: body.code, ...(body.field ? { field: body.field } : {}) },
  });
}

/** Mercurius' errorFormatter, per error: ours and unexpected ones shaped, GraphQL's own kept. */
export function formatError(error: GraphQLError): GraphQLError {
  const original = error.originalError;
  if (isClickstreamError(original)) return graphqlErrorOf(original, error.path);
  if (original && !isGraphqlError(original) && !isMercuriusError(original))
    return graphqlErrorOf(original, error.path);
  return error;
}

/**
 * Mercurius reports every validation failure (unknown field, depth, cost) as one "Graphql
 * validation error" holding the real ones; the client needs those to fix its query.
 */
export function unwrapValidation(error: GraphQLError): GraphQLError[] {
  const inner: unknown = (error.originalError as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(inner)) return [error];
  return inner.map((e: Error) =>
    isGraphqlError(e) ? e : new GraphQLError(e.message, { originalError: e }),
  );
}

/**
 * graphql ships CommonJS and ESM builds: mercurius requires one, and a test runner or bundler may
 * give this module the other, so a GraphQLError is recognised by name, not by instanceof.
 */
function isGraphqlError(error: Error): error is GraphQLError {
  return error.name === 'GraphQLError';
}

function isMercuriusError(error: Error): boolean {
  return error.name === 'FastifyError' || 'statusCode' in error;
}
