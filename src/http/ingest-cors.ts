import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const INGEST_PATHS = new Set(['/track', '/track/batch']);

/**
 * CORS for the ingest routes only, so the tracker can post from the sites a deployment allows
 * (CORS_ALLOWED_ORIGINS; `*` allows any). Every other route answers without CORS headers, so a
 * page on another site cannot read the query API through a visitor's browser. No credentials:
 * the tracker sends no cookies.
 */
export async function registerIngestCors(app: FastifyInstance, allowedOrigins: readonly string[]): Promise<void> {
  const origin = allowedOrigins.includes('*') ? '*' : [...allowedOrigins];
  await app.register(cors, {
    delegator: (request: FastifyRequest, callback: (error: Error | null, options: { origin: false | string | string[]; methods?: string[]; maxAge?: number }) => void) => {
      const path = request.url.split('?', 1)[0] ?? '';
      if (!INGEST_PATHS.has(path)) return callback(null, { origin: false });
      callback(null, { origin, methods: ['POST'], maxAge: 86_400 });
    },
  });
}
