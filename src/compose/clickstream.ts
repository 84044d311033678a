import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import type { Logger } from 'pino';
import { buildApp } from '../app.js';
import type { Config } from '../config/config-schema.js';
import { createIngestService } from '../ingest/ingest-service.js';
import { createVisitorHasher } from '../ingest/visitor-id.js';
import { instrumentEventLog } from '../observability/event-log-metrics.js';
import { createMetrics } from '../observability/metrics.js';
import { instrumentStore } from '../observability/store-metrics.js';
import { startProcessor, type Processor } from '../processor/processor.js';
import { createAnalyticsService } from '../query/analytics-service.js';
import { createStatsEngine } from '../query/stats/stats-engine.js';
import { startLiveFeed, type LiveFeed } from '../query/realtime/live-feed.js';
import { createLiveHub } from '../query/realtime/live-hub.js';
import { createSiteDirectory } from '../query/realtime/site-directory.js';
import { createFunnelService } from '../query/funnel/funnel-service.js';
import { createGoalsService } from '../query/settings/goals.js';
import { createSavedFunnels } from '../query/settings/saved-funnels.js';
import { createSharedLinks } from '../query/settings/shared-links.js';
import {
  createEventLog,
  createGeoLocator,
  createSettingsStore,
  createStore,
  funnelReaderOf,
} from './adapters.js';
import { withFailpoint } from './failpoints.js';
import { resolveVisitorSecret } from './visitor-secret.js';

export interface Clickstream {
  app: FastifyInstance;
  /** Where the HTTP server listens, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Graceful: stop accepting, finish in-flight requests, flush the log, let the processor commit, close the databases. */
  stop(): Promise<void>;
}

/** The time zone of each site: SITE_TIMEZONES, else DEFAULT_TIMEZONE. */
function siteTimezones(config: Config): (siteId: string) => string {
  const zones = new Map(
    config.SITE_TIMEZONES.map((entry) => [
      entry.slice(0, entry.indexOf('=')),
      entry.slice(entry.indexOf('=') + 1),
    ]),
  );
  return (siteId) => zones.get(siteId) ?? config.DEFAULT_TIMEZONE;
}

/** Wires the adapters, services and HTTP app for the roles in the configuration, and starts them. */
export async function startClickstream(config: Config, logger: Logger): Promise<Clickstream> {
  const roles = new Set(config.ROLES);
  const metrics = createMetrics({
    roles: config.ROLES,
    eventLog: config.EVENT_LOG,
    store: config.STORE,
  });
  // Before anything is opened: a geolocation file that is not there stops the start.
  const geo = roles.has('ingest') ? createGeoLocator(config, logger) : undefined;
  // Every adapter is measured through its port, so the dashboards read the same for SQLite and Kafka/Cassandra.
  const log = instrumentEventLog(await createEventLog(config, logger), metrics.eventLog);
  const rawStore = await createStore(config, logger);
  const store = instrumentStore(rawStore, metrics.store);
  let stopping = false;

  const ingest = roles.has('ingest')
    ? createIngestService(
        log,
        {
          defaultSiteId: config.DEFAULT_SITE_ID,
          maxEventAgeMs: config.MAX_EVENT_AGE_HOURS * 3_600_000,
          maxClockSkewMs: config.MAX_CLOCK_SKEW_SECONDS * 1000,
          ipStorage: config.IP_STORAGE,
          visitorHash: createVisitorHasher(
            resolveVisitorSecret(config.VISITOR_SALT_SECRET, config.DATA_DIR),
          ),
          geo,
        },
        metrics.ingest,
      )
    : undefined;
  const settingsStore = roles.has('query') ? await createSettingsStore(config) : undefined;
  const goals = settingsStore ? createGoalsService(settingsStore) : undefined;
  const stats = goals
    ? createStatsEngine({
        reader: store,
        goals: goals.goals,
        timezoneOf: siteTimezones(config),
        maxRangeDays: config.MAX_QUERY_RANGE_DAYS,
      })
    : undefined;
  const settings =
    settingsStore && goals && stats
      ? {
          goals,
          funnels: createSavedFunnels(settingsStore),
          links: createSharedLinks(settingsStore),
          funnel: createFunnelService({
            stats,
            reader: funnelReaderOf(store.capabilities),
            goals: goals.goals,
          }),
          propertyKeys: store.capabilities.propertyKeys,
        }
      : undefined;
  const analytics = stats
    ? createAnalyticsService(stats, store, {
        maxRangeDays: config.MAX_QUERY_RANGE_DAYS,
        maxRows: 1000,
        maxPoints: 10_000,
      })
    : undefined;
  const live = analytics && config.LIVE_VIEW ? createLiveHub() : undefined;
  const sites = analytics ? createSiteDirectory(store, live, config.DEFAULT_SITE_ID) : undefined;
  const app = await buildApp({
    config,
    logger,
    metrics,
    ingest,
    analytics,
    stats,
    live,
    sites,
    settings,
    eraseVisitor: analytics
      ? (siteId: string, visitorId: string) => store.eraseVisitor(siteId, visitorId)
      : undefined,
    readiness: {
      check: async () => {
        if (stopping) throw new Error('shutting down');
        await store.ping();
      },
    },
  });

  let processor: Processor | undefined;
  if (roles.has('processor')) {
    processor = await startProcessor(
      log,
      withFailpoint(store, config.FAILPOINT),
      metrics.processor,
      logger.child({ component: 'processor' }),
      {
        groupId: config.PROCESSOR_GROUP_ID,
        batchSize: config.PROCESSOR_BATCH_SIZE,
      },
    );
  }
  // The live view's own consumer group, new on every start: each query instance reads every
  // event from the end of the log, whichever process ingested it.
  let liveFeed: LiveFeed | undefined;
  if (live) {
    liveFeed = await startLiveFeed(log, live, {
      groupId: `${config.PROCESSOR_GROUP_ID}-live-${randomUUID()}`,
      logger: logger.child({ component: 'live' }),
    });
  }
  const url = await app.listen({ port: config.PORT, host: config.HOST });
  logger.info(
    {
      url,
      roles: [...roles],
      eventLog: config.EVENT_LOG,
      store: config.STORE,
      dataDir: config.DATA_DIR,
    },
    'clickstream started',
  );

  return {
    app,
    url,
    async stop() {
      if (stopping) return;
      stopping = true;
      // Keep-alive connections that finish their in-flight request become idle after close()
      // began; close them as they do, or the server would wait for the keep-alive timeout.
      const reaper = setInterval(() => app.server.closeIdleConnections(), 100);
      if (live) {
        // End the subscriptions first; their `complete` messages are queued on the sockets
        // within the microtasks before the next macrotask, before the server closes them.
        live.close();
        await setImmediate();
      }
      await app.close().finally(() => clearInterval(reaper));
      await liveFeed?.stop();
      await processor?.stop();
      await log.close();
      await store.close();
      await settingsStore?.close();
      logger.info('clickstream stopped');
    },
  };
}
