import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * The browser-facing files Clickstream serves: the tracker (built by tracker/build.ts) and the
 * dashboard (built by Vite into web/dist). Both are built by `npm run build`.
 */
export interface StaticAssets {
  trackerFile: string;
  dashboardDir: string;
}

/** The folder of Clickstream's package.json, whether running from src/ (tsx) or dist/src/ (built). */
export function defaultStaticAssets(from = import.meta.dirname): StaticAssets {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return {
    trackerFile: join(dir, 'tracker', 'dist', 'tracker.js'),
    dashboardDir: join(dir, 'web', 'dist'),
  };
}

/**
 * GET /tracker.js. The script is small and changes only with a deployment: browsers may reuse it
 * for an hour and then revalidate with its ETag (a 304 costs no body). Served gzipped to clients
 * that accept it; cross-origin pages may embed it (Cross-Origin-Resource-Policy).
 */
export function trackerRoute(app: FastifyInstance, trackerFile: string): void {
  if (!existsSync(trackerFile)) {
    app.log.warn({ trackerFile }, 'tracker not built (npm run build); /tracker.js answers 404');
    return;
  }
  const body = readFileSync(trackerFile);
  const gzipped = gzipSync(body, { level: 9 });
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  app.get(
    '/tracker.js',
    { schema: { tags: ['ingest'], summary: 'The browser tracker (see docs/tracker.md)' } },
    (request, reply) => {
      reply
        .header('content-type', 'application/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=3600, stale-while-revalidate=86400')
        .header('etag', etag)
        .header('vary', 'Accept-Encoding')
        .header('cross-origin-resource-policy', 'cross-origin');
      if (
        request.headers['if-none-match']
          ?.split(/\s*,\s*/)
          .some((tag) => tag === etag || tag === `W/${etag}`)
      ) {
        return reply.status(304).send();
      }
      if (acceptsGzip(request)) return reply.header('content-encoding', 'gzip').send(gzipped);
      return reply.send(body);
    },
  );
}

function acceptsGzip(request: FastifyRequest): boolean {
  const accept = request.headers['accept-encoding'];
  return typeof accept === 'string' && /\bgzip\b(?!;q=0(\.0*)?\b)/.test(accept);
}

/**
 * The dashboard at /. Vite names bundles by content hash, so /assets/* never change and are
 * cached for a year; index.html is revalidated every time so a deployment shows at once.
 */
export async function dashboardRoutes(app: FastifyInstance, dashboardDir: string): Promise<void> {
  if (!existsSync(join(dashboardDir, 'index.html'))) {
    app.log.warn(
      { dashboardDir },
      'dashboard not built (npm run build); / explains how to build it',
    );
    app.get('/', { schema: { hide: true } }, (_request, reply: FastifyReply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send('The dashboard is not built. Run `npm run build` (or `npm start`), then reload.\n'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: dashboardDir,
    // Routes for the files that exist at start, not a catch-all: unknown paths stay 404 JSON errors.
    wildcard: false,
    schemaHide: true,
    cacheControl: false,
    setHeaders: (reply, path) => {
      const immutable = path.startsWith(join(dashboardDir, 'assets'));
      reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
