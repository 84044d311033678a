import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const INGEST_PATHS = new Set(['/track', '/track/batch']);

/**
 * CORS for the ingest routes only, so the tracker can post from the sites a deployment allows
 * (CORS_ALLOWED_ORIGINS; `*` allows any). Every other route answers without CORS headers, so a
 * page on another site cannot read the query API through a visitor's browser. No credentials:
 * the tracker sends no cookies.
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
  await app.register(cors, {
    delegator: (
      request: FastifyRequest,
      callback: (
        error: Error | null,
        options: { origin: false | string | string[]; methods?: string[]; maxAge?: number },
      ) => void,
    ) => {
      const path = request.url.split('?', 1)[0] ?? '';
      if (!INGEST_PATHS.has(path)) return callback(null, { origin: false });
      callback(null, { origin, methods: ['POST'], maxAge: 86_400 });
    },
  });
}
