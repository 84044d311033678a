import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import mercurius from 'mercurius';
import { ClickstreamError } from '../../domain/errors.js';
import type { SiteId } from '../../domain/site-id.js';
import type { AnalyticsService } from '../analytics-service.js';
import type { LiveHub } from '../realtime/live-hub.js';
import type { SiteDirectory } from '../realtime/site-directory.js';
import { visibleSites, type QueryAccess } from '../query-access.js';
import { createCostLimitRule } from './cost-limit.js';
import {
  FIELD_ACCESS,
  guardSites,
  noIntrospectionRule,
  type AccessContext,
} from './graphql-access.js';
import { formatError, graphqlErrorOf, unwrapValidation } from './graphql-errors.js';
import { createLiveResolvers } from './live-resolvers.js';
import { liveTypeDefs } from './live-schema.js';
import { createResolvers } from './resolvers.js';
import { typeDefs } from './schema.js';
import { createStatsResolvers } from './stats-resolvers.js';
import { statsTypeDefs } from './stats-schema.js';
import type { StatsEngine } from '../stats/stats-engine.js';

export interface GraphqlOptions {
  analytics: AnalyticsService;
  stats: StatsEngine;
  maxDepth: number;
  maxCost: number;
  graphiql: boolean;
  introspection: boolean;
  defaultSiteId: SiteId;
  /**
   * With API keys configured: the access a graphql-ws connectionInit payload's `authorization`
   * ("Bearer <key>") grants, undefined for none or an unknown key. Absent: no keys configured.
   */
  connectionAccess?: ((authorization: unknown) => QueryAccess | undefined) | undefined;
  /** The sites a dashboard can pick (`sites` query). */
  sites?: SiteDirectory | undefined;
  /** The live view: live queries and the subscriptions over WebSocket. */
  live?: LiveHub | undefined;
}

/**
 * POST/GET /graphql (and GraphiQL at /graphiql). Errors carry our code and field in
 * `extensions`; an internal error's message is replaced, as on the REST side.
 */
export async function registerGraphql(
  app: FastifyInstance,
  options: GraphqlOptions,
): Promise<void> {
  const { sites, live, connectionAccess } = options;
  refuseMissingDocument(app);
  const base = {
    Query: { ...createResolvers(options.analytics).Query, ...createStatsResolvers(options.stats) },
  };
  const liveResolvers = live ? createLiveResolvers(live) : undefined;
  const listing = sites && {
    sites: async (_: unknown, __: unknown, context: AccessContext) =>
      visibleSites(context.access, await sites.list()),
  };
  await app.register(mercurius, {
    schema: [
      typeDefs,
      statsTypeDefs,
      sites ? 'extend type Query { "Sites with data, for a site picker." sites: [String!]! }' : '',
      live ? liveTypeDefs : '',
    ].join('\n'),
    resolvers: {
      Query: guardSites(
        { ...base.Query, ...liveResolvers?.Query, ...listing },
        FIELD_ACCESS,
        options.defaultSiteId,
      ),
      ...(liveResolvers && {
        Subscription: guardSites(liveResolvers.Subscription, FIELD_ACCESS, options.defaultSiteId),
      }),
    },
    // The query-auth hook put the caller's access on the request (undefined for a WebSocket
    // handshake without a header; its key then comes in connectionInit).
    context: (request): AccessContext => ({ access: request.queryAccess }),
    // graphql-ws (`graphql-transport-ws`) and the legacy `graphql-ws` subprotocol, at /graphql.
    subscription: live
      ? {
          verifyClient: sameOriginOnly,
          keepAlive: 30_000,
          context: (
            _socket: unknown,
            request: { queryAccess?: QueryAccess | undefined },
          ): AccessContext => ({ access: request.queryAccess }),
          onConnect: ({ payload }: { payload?: unknown }) =>
            authorizeConnection(connectionAccess, payload),
        }
      : false,
    graphiql: options.graphiql,
    queryDepth: options.maxDepth,
    validationRules: [
      createCostLimitRule(options.maxCost),
      ...(options.introspection ? [] : [noIntrospectionRule]),
    ],
    errorFormatter: (execution, context) => {
      const formatted = mercurius.defaultErrorFormatter(execution, context);
      const errors = execution.errors.flatMap(unwrapValidation).map(formatError);
      const statusCode = errors.some((e) => e.extensions?.code === 'INTERNAL')
        ? 500
        : formatted.statusCode;
      return { statusCode, response: { data: execution.data ?? null, errors } };
    },
  });
  // Resolvers that explain an answer (a page with nothing counted: see left-out.ts) leave notes here.
  app.graphql.addHook('onResolution', async (execution, context) => {
    if (context.notes?.length)
      execution.extensions = { ...execution.extensions, notes: context.notes };
  });
}

/**
 * Mercurius reads a `query` that is not GraphQL as a JSON AST (`JSON.parse`), so `"false"` or
 * `"1"` — what a JSON `false` becomes after type coercion — reaches graphql's execute as a
 * non-document and fails with a plain Error (a 500). Refuse those as the client's mistake.
 */
function refuseMissingDocument(app: FastifyInstance): void {
  app.addHook('preHandler', async (request, reply) => {
    if (request.url.split('?', 1)[0] !== '/graphql' || request.headers.upgrade !== undefined)
      return;
    const params = (request.method === 'POST' ? request.body : request.query) as
      { query?: unknown; persisted?: unknown } | null | undefined;
    if (params?.persisted === true || isDocumentSource(params?.query)) return;
    const error = new ClickstreamError('INVALID_QUERY', 'must be a GraphQL document', {
      field: 'query',
    });
    return reply.status(400).send({ data: null, errors: [graphqlErrorOf(error)] });
  });
}

function isDocumentSource(query: unknown): boolean {
  if (typeof query !== 'string' || query.trim() === '') return false;
  try {
    const parsed: unknown = JSON.parse(query);
    return (
      typeof parsed === 'object' &&
      parsed !== null &&
      (parsed as { kind?: unknown }).kind === 'Document'
    );
  } catch {
    return true;
  }
}

/**
 * A connectionInit payload `{ authorization: "Bearer <key>" }` (or `{ headers: { authorization } }`)
 * gives the connection that key's access; an unknown key closes it. Without one the connection
 * keeps the handshake's access, and with keys configured every operation then needs one.
 */
function authorizeConnection(
  connectionAccess: GraphqlOptions['connectionAccess'],
  payload: unknown,
): boolean | AccessContext {
  if (connectionAccess === undefined) return true;
  const p = (payload ?? {}) as { authorization?: unknown; headers?: { authorization?: unknown } };
  const authorization = p.authorization ?? p.headers?.authorization;
  if (authorization === undefined) return true;
  const access = connectionAccess(authorization);
  return access === undefined ? false : { access };
}

/**
 * Browsers send Origin on a WebSocket handshake and CORS does not apply to WebSockets, so a page
 * on another site could otherwise read the live feed through a visitor's browser. Clients that
 * are not browsers send no Origin and are let in, like the rest of the query API.
 */
function sameOriginOnly(
  info: { origin: string; req: IncomingMessage },
  next: (result: boolean, code?: number, message?: string) => void,
): void {
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
