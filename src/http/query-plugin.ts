import type { FastifyContextConfig, FastifyInstance, FastifyPluginAsync } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config-schema.js';
import type { HttpObserver } from '../observability/http-metrics.js';
import type { AnalyticsService } from '../query/analytics-service.js';
import { registerGraphql } from '../query/graphql/graphql-plugin.js';
import type { LiveHub } from '../query/realtime/live-hub.js';
import { liveRoutes } from '../query/realtime/live-routes.js';
import type { SiteDirectory } from '../query/realtime/site-directory.js';
import { analyticsRoutes } from '../query/rest/analytics-routes.js';
import { privacyRoutes } from '../query/rest/privacy-routes.js';
import { statsRoutes } from '../query/rest/stats-routes.js';
import type { StatsEngine } from '../query/stats/stats-engine.js';
import { timeGraphqlOperations } from './graphql-metrics.js';
import { accessOf, parseApiKeys, queryAuthentication, siteScope } from './query-auth.js';
import type { PropertyKeysReader } from '../ports/property-keys.js';
import type { FunnelService } from '../query/funnel/funnel-service.js';
import { funnelRoutes, sharePageRoutes } from '../query/rest/funnel-routes.js';
import { propertyRoutes } from '../query/rest/property-routes.js';
import { settingsRoutes } from '../query/rest/settings-routes.js';
import type { GoalsService } from '../query/settings/goals.js';
import type { SavedFunnels } from '../query/settings/saved-funnels.js';
import type { SharedLinks } from '../query/settings/shared-links.js';
import { dashboardRoutes } from './static-routes.js';

export interface QueryPluginOptions {
  config: Config;
  analytics: AnalyticsService;
  stats: StatsEngine;
  eraseVisitor?: ((siteId: string, visitorId: string) => Promise<number>) | undefined;
  sites?: SiteDirectory | undefined;
  live?: LiveHub | undefined;
  graphqlObserver: Pick<HttpObserver, 'graphql'>;
  dashboardDir: string;
  /** Goals, saved funnels, shared links, the funnel and property keys (docs/settings-api.md). */
  settings?: SettingsServices | undefined;
}

export interface SettingsServices {
  goals: GoalsService;
  funnels: SavedFunnels;
  links: SharedLinks;
  funnel: FunnelService;
  propertyKeys: PropertyKeysReader | undefined;
}

/** What a shared link's page loads before it has data: its page, the dashboard's assets. */
const SHARE_PAGE_FILES = /^\/(assets\/|favicon\.svg$)/;

/** GraphiQL's routes (mercurius registers them): pages and scripts without data. */
const GRAPHIQL_PATHS = /^\/graphiql(\/|$)/;

/** Marks the routes a plugin registers (or those matching `only`) with route flags. */
const mark = (app: FastifyInstance, flags: FastifyContextConfig, only?: RegExp) =>
  app.addHook('onRoute', (route) => {
    if (only === undefined || only.test(route.url)) route.config = { ...route.config, ...flags };
  });
/** Pages and scripts without data: open to a shared link's visitor like to anyone who may see them. */
const SHELL: FastifyContextConfig = { shell: true, sharedLink: true };

/**
 * The query audience: REST /analytics/*, GraphQL (and its subscriptions) and the dashboard. The
 * authentication hook sits on this whole encapsulated plugin, so a route file added here is
 * covered without anyone remembering to add it to a list; test/security/route-audience.test.ts
 * reads Fastify's route list and fails for any route outside the public allowlist that answers
 * without a key.
 */
export const queryPlugin: FastifyPluginAsync<QueryPluginOptions> = async (app, options) => {
  const { config } = options;
  const keys = parseApiKeys(config.API_KEYS);
  if (keys.size === 0)
    app.log.warn('API_KEYS is not set: the query API and dashboard answer loopback clients only');
  const { settings } = options;
  app.addHook(
    'onRequest',
    queryAuthentication(keys, settings ? (bearer) => settings.links.access(bearer) : undefined),
  );

  app.decorateRequest('siteId', '');
  await app.register(async (rest) => {
    rest.addHook('preHandler', siteScope(config.DEFAULT_SITE_ID));
    analyticsRoutes(rest, {
      analytics: options.analytics,
      maxRangeDays: config.MAX_QUERY_RANGE_DAYS,
    });
    statsRoutes(rest, { stats: options.stats });
    if (options.eraseVisitor) privacyRoutes(rest, { eraseVisitor: options.eraseVisitor });
    if (options.sites) liveRoutes(rest, { live: options.live, sites: options.sites });
    if (settings) {
      settingsRoutes(rest, settings);
      funnelRoutes(rest, { funnels: settings.funnel });
      propertyRoutes(rest, {
        stats: options.stats,
        reader: settings.propertyKeys,
        goals: settings.goals.goals,
      });
    }
  });

  if (settings) {
    await app.register(async (share) => {
      mark(share, { ...SHELL, sharePage: true });
      sharePageRoutes(share, {
        links: settings.links,
        dashboardIndex: existsSync(join(options.dashboardDir, 'index.html'))
          ? join(options.dashboardDir, 'index.html')
          : undefined,
      });
    });
  }

  await app.register(async (graphql) => {
    mark(graphql, SHELL, GRAPHIQL_PATHS);
    // The endpoint opens to links; each field decides for itself (graphql-plugin.ts: FIELD_ACCESS).
    mark(graphql, { sharedLink: true }, /^\/graphql$/);
    await registerGraphql(graphql, {
      analytics: options.analytics,
      stats: options.stats,
      maxDepth: config.GRAPHQL_MAX_DEPTH,
      maxCost: config.GRAPHQL_MAX_COST,
      graphiql: config.GRAPHIQL,
      introspection: config.GRAPHQL_INTROSPECTION,
      defaultSiteId: config.DEFAULT_SITE_ID,
      connectionAccess:
        keys.size > 0 ? (authorization: unknown) => accessOf(keys, authorization) : undefined,
      sites: options.sites,
      live: options.live,
    });
    timeGraphqlOperations(graphql, options.graphqlObserver);
  });

  await app.register(async (dashboard) => {
    mark(dashboard, SHELL);
    // A shared link's visitor has no key, also where API_KEYS is unset (loopback-only otherwise).
    if (settings) mark(dashboard, { sharePage: true }, SHARE_PAGE_FILES);
    await dashboardRoutes(dashboard, options.dashboardDir);
  });
};
