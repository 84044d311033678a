import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config/config-schema.js';
import { ingestRoutes } from '../ingest/ingest-routes.js';
import type { IngestService } from '../ingest/ingest-service.js';
import { registerIngestCors } from './ingest-cors.js';
import { enforceSiteOrigins, parseSiteOrigins } from './ingest-origins.js';
import { registerIngestRateLimit } from './ingest-rate-limit.js';
import { trackerRoute } from './static-routes.js';

export interface IngestPluginOptions {
  config: Config;
  ingest: IngestService;
  trackerFile: string;
}

/**
 * The ingest audience, public by design: POST /track and /track/batch with their CORS, per-site
 * origins and per-address rate limit (hooks of this encapsulated plugin, so they touch no other
 * route), and the tracker script beside them, which is neither rate-limited nor origin-bound.
 */
export const ingestPlugin: FastifyPluginAsync<IngestPluginOptions> = async (app, options) => {
  const { config } = options;
  await app.register(async (events) => {
    const siteOrigins = parseSiteOrigins(config.SITE_ORIGINS);
    await registerIngestCors(
      events,
      config.CORS_ALLOWED_ORIGINS,
      [...siteOrigins.values()].flatMap((origins) => [...origins]),
    );
    await registerIngestRateLimit(events, config.INGEST_RATE_LIMIT_PER_MINUTE);
    enforceSiteOrigins(events, siteOrigins, config.DEFAULT_SITE_ID);
    ingestRoutes(events, { ingest: options.ingest, maxBatchEvents: config.MAX_BATCH_EVENTS });
  });
  trackerRoute(app, options.trackerFile);
};
