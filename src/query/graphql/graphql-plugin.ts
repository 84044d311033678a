import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import mercurius from 'mercurius';
import { ErrorCodes, isClickstreamError } from '../../domain/errors.js';
import type { AnalyticsService } from '../analytics-service.js';
import type { LiveHub } from '../realtime/live-hub.js';
import type { SiteDirectory } from '../realtime/site-directory.js';
import { createCostLimitRule } from './cost-limit.js';
import { createLiveResolvers } from './live-resolvers.js';
import { liveTypeDefs } from './live-schema.js';
import { createResolvers } from './resolvers.js';
import { typeDefs } from './schema.js';

export interface GraphqlOptions {
  analytics: AnalyticsService;
  maxDepth: number;
  maxCost: number;
  graphiql: boolean;
  /** The sites a dashboard can pick (`sites` query). */
  sites?: SiteDirectory | undefined;
  /** The live view: live queries and the subscriptions over WebSocket. */
  live?: { hub: LiveHub; defaultSiteId: string } | undefined;
}

/**
 * POST/GET /graphql (and GraphiQL at /graphiql). Errors carry our code and field in
 * `extensions`; an internal error's message is replaced, as on the REST side.
 */
export async function registerGraphql(app: FastifyInstance, options: GraphqlOptions): Promise<void> {
  const { sites, live } = options;
  const base = createResolvers(options.analytics);
  const liveResolvers = live ? createLiveResolvers(live.hub, live.defaultSiteId) : undefined;
  await app.register(mercurius, {
    schema: [typeDefs, sites ? 'extend type Query { "Sites with data, for a site picker." sites: [String!]! }' : '', live ? liveTypeDefs : ''].join('\n'),
    resolvers: {
      Query: { ...base.Query, ...(sites ? { sites: () => sites.list() } : {}), ...liveResolvers?.Query },
      ...(liveResolvers ? { Subscription: liveResolvers.Subscription } : {}),
    },
    // graphql-ws (`graphql-transport-ws`) and the legacy `graphql-ws` subprotocol, at /graphql.
    subscription: live ? { verifyClient: sameOriginOnly, keepAlive: 30_000 } : false,
    graphiql: options.graphiql,
    queryDepth: options.maxDepth,
    validationRules: [createCostLimitRule(options.maxCost)],
    errorFormatter: (execution, context) => {
      const formatted = mercurius.defaultErrorFormatter(execution, context);
      const errors = execution.errors.flatMap(unwrapValidation).map(formatError);
      const statusCode = errors.some((e) => e.extensions?.code === 'INTERNAL') ? 500 : formatted.statusCode;
      return { statusCode, response: { data: execution.data ?? null, errors } };
    },
  });
}

/**
 * Browsers send Origin on a WebSocket handshake and CORS does not apply to WebSockets, so a page
 * on another site could otherwise read the live feed through a visitor's browser. Clients that
 * are not browsers send no Origin and are let in, like the rest of the query API.
 */
function sameOriginOnly(info: { origin: string; req: IncomingMessage }, next: (result: boolean, code?: number, message?: string) => void): void {
  if (!info.origin) return next(true);
  let host: string | undefined;
  try {
    host = new URL(info.origin).host;
  } catch {
    host = undefined;
  }
  if (host !== undefined && host === info.req.headers.host) return next(true);
  next(false, 403, 'cross-origin WebSocket refused');
}

/**
 * Mercurius reports every validation failure (unknown field, depth, cost) as one "Graphql
 * validation error" holding the real ones; the client needs those to fix its query.
 */
function unwrapValidation(error: GraphQLError): GraphQLError[] {
  const inner: unknown = (error.originalError as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(inner)) return [error];
  return inner.map((e: Error) => (isGraphqlError(e) ? e : new GraphQLError(e.message, { originalError: e })));
}

function formatError(error: GraphQLError): GraphQLError {
  const original = error.originalError;
  if (isClickstreamError(original)) {
    const status = ErrorCodes[original.code];
    const message = status >= 500 && status !== 503 ? 'internal error' : original.field ? `${original.field} ${original.message}` : original.message;
    return new GraphQLError(message, { path: error.path, extensions: { code: original.code, ...(original.field ? { field: original.field } : {}) } });
  }
  if (original && !isGraphqlError(original) && !isMercuriusError(original)) {
    return new GraphQLError('internal error', { path: error.path, extensions: { code: 'INTERNAL' } });
  }
  return error;
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
