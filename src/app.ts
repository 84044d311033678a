import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/config-schema.js';
import { installErrorHandler } from './http/error-handler.js';
import { timeGraphqlOperations } from './http/graphql-metrics.js';
import { healthRoutes, type Readiness } from './http/health-routes.js';
import { registerIngestCors } from './http/ingest-cors.js';
import { enforceSiteOrigins, parseSiteOrigins } from './http/ingest-origins.js';
import { registerIngestRateLimit } from './http/ingest-rate-limit.js';
import { accessOf, registerQueryAuth } from './http/query-auth.js';
import { dashboardRoutes, defaultStaticAssets, trackerRoute, type StaticAssets } from './http/static-routes.js';
import { ingestRoutes } from './ingest/ingest-routes.js';
import type { IngestService } from './ingest/ingest-service.js';
import type { Metrics } from './observability/metrics.js';
import type { AnalyticsService } from './query/analytics-service.js';
import { registerGraphql } from './query/graphql/graphql-plugin.js';
import type { LiveHub } from './query/realtime/live-hub.js';
import { liveRoutes } from './query/realtime/live-routes.js';
import type { SiteDirectory } from './query/realtime/site-directory.js';
import { analyticsRoutes } from './query/rest/analytics-routes.js';
import { statsRoutes } from './query/rest/stats-routes.js';
import type { StatsEngine } from './query/stats/stats-engine.js';
import { privacyRoutes } from './query/rest/privacy-routes.js';
import { funnelRoutes, sharePageRoutes } from './query/rest/funnel-routes.js';
import { settingsRoutes } from './query/rest/settings-routes.js';
import { propertyRoutes } from './query/rest/property-routes.js';
import type { PropertyKeysReader } from './ports/property-keys.js';
import type { FunnelService } from './query/funnel/funnel-service.js';
import type { GoalsService } from './query/settings/goals.js';
import type { SavedFunnels } from './query/settings/saved-funnels.js';
import type { SharedLinks } from './query/settings/shared-links.js';

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
  /** With the query role: goals, saved funnels, shared links and the funnel query. */
  settings?: { goals: GoalsService; funnels: SavedFunnels; links: SharedLinks; funnel: FunnelService; propertyKeys: PropertyKeysReader | undefined } | undefined;
  /** The built tracker and dashboard (default: under the package folder). */
  assets?: StaticAssets | undefined;
  readiness: Readiness;
}

/** The HTTP application: routes for the roles this process runs, OpenAPI at /docs, /metrics, health. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const httpLogger: FastifyBaseLogger = deps.logger.child({ component: 'http' });
  const app: FastifyInstance = Fastify({
    loggerInstance: httpLogger,
    // Per-request logs would cost more than the ingest itself; /metrics has the request figures.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUSTED_PROXIES.length > 0 ? config.TRUSTED_PROXIES : false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
  });
  installErrorHandler(app);
  acceptJsonAsTextPlain(app);
  app.addHook('onResponse', (request, reply, done) => {
    const length = Number(request.headers['content-length']);
    const bytes = Number.isFinite(length) && length > 0 ? length : undefined;
    deps.metrics.http.request(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000, bytes);
    done();
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Clickstream', version: '0.1.0', description: 'Ingest clickstream events and query their aggregates.' },
      tags: [{ name: 'ingest' }, { name: 'analytics' }, { name: 'settings' }, { name: 'operations' }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const assets = deps.assets ?? defaultStaticAssets();
  if (deps.ingest) {
    const siteOrigins = parseSiteOrigins(config.SITE_ORIGINS);
    await registerIngestCors(app, config.CORS_ALLOWED_ORIGINS, [...siteOrigins.values()].flatMap((origins) => [...origins]));
    await registerIngestRateLimit(app, config.INGEST_RATE_LIMIT_PER_MINUTE);
    enforceSiteOrigins(app, siteOrigins, config.DEFAULT_SITE_ID);
    ingestRoutes(app, { ingest: deps.ingest, maxBatchEvents: config.MAX_BATCH_EVENTS });
    trackerRoute(app, assets.trackerFile);
  }
  if (deps.analytics && deps.stats) {
    const settings = deps.settings;
    const keys = registerQueryAuth(app, {
      apiKeys: config.API_KEYS, metricsApiKey: config.METRICS_API_KEY, defaultSiteId: config.DEFAULT_SITE_ID,
      sharedLinkAccess: settings ? (bearer) => settings.links.access(bearer) : undefined,
    });
    analyticsRoutes(app, { analytics: deps.analytics, maxRangeDays: config.MAX_QUERY_RANGE_DAYS });
    statsRoutes(app, { stats: deps.stats });
    if (settings) {
      settingsRoutes(app, settings);
      funnelRoutes(app, { funnels: settings.funnel });
      propertyRoutes(app, { stats: deps.stats, reader: settings.propertyKeys, goals: settings.goals.goals });
      sharePageRoutes(app, { links: settings.links, dashboardIndex: existsSync(join(assets.dashboardDir, 'index.html')) ? join(assets.dashboardDir, 'index.html') : undefined });
    }
    if (deps.eraseVisitor) privacyRoutes(app, { eraseVisitor: deps.eraseVisitor, defaultSiteId: config.DEFAULT_SITE_ID });
    if (deps.sites) liveRoutes(app, { live: deps.live, sites: deps.sites, defaultSiteId: config.DEFAULT_SITE_ID });
    await registerGraphql(app, {
      analytics: deps.analytics, stats: deps.stats, maxDepth: config.GRAPHQL_MAX_DEPTH, maxCost: config.GRAPHQL_MAX_COST, graphiql: config.GRAPHIQL,
      introspection: config.GRAPHQL_INTROSPECTION, defaultSiteId: config.DEFAULT_SITE_ID,
      connectionAccess: keys.size > 0 ? (authorization: unknown) => accessOf(keys, authorization) : undefined,
      sites: deps.sites, live: deps.live ? { hub: deps.live, defaultSiteId: config.DEFAULT_SITE_ID } : undefined,
    });
    timeGraphqlOperations(app, deps.metrics.http);
    await dashboardRoutes(app, assets.dashboardDir);
  }
  healthRoutes(app, { readiness: deps.readiness, registry: deps.metrics.registry });
  return app;
}

/**
 * navigator.sendBeacon posts text/plain to avoid a CORS preflight; its body is JSON all the same,
 * parsed with Fastify's safe JSON parser (prototype poisoning refused).
 */
function acceptJsonAsTextPlain(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
}
