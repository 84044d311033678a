import swagger from '@fastify/swagger';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyContextConfig,
  type FastifyHttpOptions,
  type FastifyInstance,
  type FastifyPluginAsync,
  type RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from './config/config-schema.js';
import { installErrorHandler, sendError } from './http/error-handler.js';
import type { Readiness } from './http/health-routes.js';
import { ingestPlugin } from './http/ingest-plugin.js';
import { operationsPlugin } from './http/operations-plugin.js';
import { queryPlugin } from './http/query-plugin.js';
import { defaultStaticAssets, type StaticAssets } from './http/static-routes.js';
import type { IngestService } from './ingest/ingest-service.js';
import type { Metrics } from './observability/metrics.js';
import type { AnalyticsService } from './query/analytics-service.js';
import type { LiveHub } from './query/realtime/live-hub.js';
import type { SiteDirectory } from './query/realtime/site-directory.js';
import type { StatsEngine } from './query/stats/stats-engine.js';
import type { SettingsServices } from './http/query-plugin.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  /** Present when this process runs the ingest role. */
  ingest?: IngestService | undefined;
  /** Present when this process runs the query role. */
  analytics?: AnalyticsService | undefined;
  /** With the query role: the general query. */
  stats?: StatsEngine | undefined;
  /** With the query role: erasure of one visitor (EventStore.eraseVisitor). */
  eraseVisitor?: ((siteId: string, visitorId: string) => Promise<number>) | undefined;
  /** With the query role: the sites a dashboard can pick. */
  sites?: SiteDirectory | undefined;
  /** With the query role and LIVE_VIEW: live totals, feed and GraphQL subscriptions. */
  live?: LiveHub | undefined;
  /** With the query role: goals, saved funnels, shared links, the funnel and property keys. */
  settings?: SettingsServices | undefined;
  /** The built tracker and dashboard (default: under the package folder). */
  assets?: StaticAssets | undefined;
  readiness: Readiness;
}

/** The Fastify server options: body limit, trusted proxies, prototype-poisoning refusal. */
export function serverOptions(
  deps: Pick<AppDeps, 'config' | 'logger'>,
): FastifyHttpOptions<Server, FastifyBaseLogger> {
  const { config } = deps;
  return {
    loggerInstance: deps.logger.child({ component: 'http' }),
    // Per-request logs would cost more than the ingest itself; /metrics has the request figures.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUSTED_PROXIES.length > 0 ? config.TRUSTED_PROXIES : false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    // A URL Fastify cannot route is answered by the one error shaping, not Fastify's own body.
    frameworkErrors: (error, request, reply) => {
      void sendError(error, request, reply);
    },
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
  };
}

/**
 * The HTTP application as a plugin (fastify/demo's shape): what every route shares — the error
 * handler, JSON as text/plain, request metrics, the OpenAPI collector — and one encapsulated plugin
 * per audience: ingest (public), query (authenticated as a whole) and operations (health, docs,
 * /metrics behind its own key). A route belongs to exactly one of them.
 */
async function registerApp(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { config } = deps;
  recordRoutes(app);
  installErrorHandler(app);
  acceptJsonAsTextPlain(app);
  app.addHook('onResponse', (request, reply, done) => {
    const length = Number(request.headers['content-length']);
    const bytes = Number.isFinite(length) && length > 0 ? length : undefined;
    deps.metrics.http.request(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
      bytes,
    );
    done();
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Clickstream',
        version: '0.1.0',
        description: 'Ingest clickstream events and query their aggregates.',
        license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
      },
      tags: [
        { name: 'ingest' },
        { name: 'analytics' },
        { name: 'settings' },
        { name: 'operations' },
      ],
    },
  });

  const assets = deps.assets ?? defaultStaticAssets();
  if (deps.ingest)
    await app.register(ingestPlugin, {
      config,
      ingest: deps.ingest,
      trackerFile: assets.trackerFile,
    });
  if (deps.analytics && deps.stats) {
    await app.register(queryPlugin, {
      config,
      analytics: deps.analytics,
      stats: deps.stats,
      eraseVisitor: deps.eraseVisitor,
      sites: deps.sites,
      live: deps.live,
      graphqlObserver: deps.metrics.http,
      dashboardDir: assets.dashboardDir,
      settings: deps.settings,
    });
  }
  await app.register(operationsPlugin, {
    readiness: deps.readiness,
    registry: deps.metrics.registry,
    metricsApiKey: config.METRICS_API_KEY,
  });
}

/** Not encapsulated (fastify-plugin): its error handler and hooks are the whole server's, whose content it is. */
export const clickstreamApp: FastifyPluginAsync<AppDeps> = fp(registerApp, { name: 'clickstream' });

/** The HTTP application for the roles this process runs. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify(serverOptions(deps));
  await app.register(clickstreamApp, deps);
  return app;
}

export interface RouteEntry {
  method: string;
  url: string;
  /** The route's flags (shell, sharePage, sharedLink…), as the plugins' onRoute hooks left them. */
  config: Readonly<FastifyContextConfig>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route of the app as Fastify registered it (HEAD twins included), for audits and tests. */
    routeTable(): readonly RouteEntry[];
  }
}

/** Before any route: an onRoute hook at the root sees the routes of every plugin registered after it. */
function recordRoutes(app: FastifyInstance): void {
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
  // Read when asked: a plugin's own onRoute hooks run after this one and set the route's flags.
  app.decorate('routeTable', () =>
    routes.flatMap((route) =>
      [route.method]
        .flat()
        .map((method) => ({ method, url: route.url, config: route.config ?? {} })),
    ),
  );
}

/**
 * navigator.sendBeacon posts text/plain to avoid a CORS preflight; its body is JSON all the same,
 * parsed with Fastify's safe JSON parser (prototype poisoning refused).
 */
function acceptJsonAsTextPlain(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(
    'text/plain',
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );
}
