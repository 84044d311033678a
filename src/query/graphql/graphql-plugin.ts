import type { FastifyInstance } from 'fastify';
import { GraphQLError } from 'graphql';
import mercurius from 'mercurius';
import { ErrorCodes, isClickstreamError } from '../../domain/errors.js';
import type { AnalyticsService } from '../analytics-service.js';
import { createCostLimitRule } from './cost-limit.js';
import { createResolvers } from './resolvers.js';
import { typeDefs } from './schema.js';

export interface GraphqlOptions {
  analytics: AnalyticsService;
  maxDepth: number;
  maxCost: number;
  graphiql: boolean;
}

/**
 * POST/GET /graphql (and GraphiQL at /graphiql). Errors carry our code and field in
 * `extensions`; an internal error's message is replaced, as on the REST side.
 */
export async function registerGraphql(app: FastifyInstance, options: GraphqlOptions): Promise<void> {
  await app.register(mercurius, {
    schema: typeDefs,
    resolvers: createResolvers(options.analytics),
    graphiql: options.graphiql,
    queryDepth: options.maxDepth,
    validationRules: [createCostLimitRule(options.maxCost)],
    errorFormatter: (execution, context) => {
      const formatted = mercurius.defaultErrorFormatter(execution, context);
      const errors = execution.errors.map(formatError);
      const statusCode = errors.some((e) => e.extensions?.code === 'INTERNAL') ? 500 : formatted.statusCode;
      return { statusCode, response: { data: execution.data ?? null, errors } };
    },
  });
}

function formatError(error: GraphQLError): GraphQLError {
  const original = error.originalError;
  if (isClickstreamError(original)) {
    const status = ErrorCodes[original.code];
    const message = status >= 500 && status !== 503 ? 'internal error' : original.field ? `${original.field} ${original.message}` : original.message;
    return new GraphQLError(message, { path: error.path, extensions: { code: original.code, ...(original.field ? { field: original.field } : {}) } });
  }
  if (original && !(original instanceof GraphQLError) && !isMercuriusError(original)) {
    return new GraphQLError('internal error', { path: error.path, extensions: { code: 'INTERNAL' } });
  }
  return error;
}

function isMercuriusError(error: Error): boolean {
  return error.name === 'FastifyError' || 'statusCode' in error;
}
