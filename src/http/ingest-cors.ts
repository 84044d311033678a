import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

const INGEST_PATHS = new Set(['/track', '/track/batch']);

/**
 * CORS for the ingest routes only, so the tracker can post from the sites a deployment allows
 * (CORS_ALLOWED_ORIGINS; `*` allows any). Every other route answers without CORS headers, so a
 * page on another site cannot read the query API through a visitor's browser. No credentials:
 * the tracker sends no cookies.
 *
 * The options are static (resolved once, not per request: a per-request delegator cost ~9 % of
 * the main thread's time on single events). The plugin's preflight route is `OPTIONS *`, which
 * would answer for every path, so a preflight for any other path is sent to the not-found
 * handler before the plugin sees it, as a disabled origin did.
 */
export async function registerIngestCors(
  app: FastifyInstance,
  allowedOrigins: readonly string[],
  siteOrigins: readonly string[] = [],
): Promise<void> {
  // Origins named for a site may read the answers too; which site they may send for is checked
  // per event (ingest-origins.ts), since a preflight does not say the site.
  const origin = allowedOrigins.includes('*')
    ? '*'
    : [...new Set([...allowedOrigins, ...siteOrigins])];
  app.addHook('onRequest', (request, reply, done) => {
    if (request.method !== 'OPTIONS' || INGEST_PATHS.has(request.url.split('?', 1)[0] ?? '')) {
      done();
      return;
    }
    reply.callNotFound();
  });
  await app.register(cors, { origin, methods: ['POST'], maxAge: 86_400 });
}
