import type { FastifyInstance } from 'fastify';
import { ClickstreamError } from '../domain/errors.js';
import { resolveSite } from '../domain/site-id.js';

/** SITE_ORIGINS entries `site=https://a.com|https://b.com` as site → allowed origins. */
export function parseSiteOrigins(
  entries: readonly string[],
): ReadonlyMap<string, ReadonlySet<string>> {
  const map = new Map<string, Set<string>>();
  for (const entry of entries) {
    const [site = '', origins = ''] = entry.split('=', 2);
    const set = map.get(site) ?? new Set<string>();
    for (const origin of origins.split('|')) set.add(origin.toLowerCase());
    map.set(site, set);
  }
  return map;
}

/** The site of each event in a /track or /track/batch body, as the ingest service will read it. */
function sitesOf(body: unknown, defaultSiteId: string): Set<string> {
  const events: unknown[] = Array.isArray(body)
    ? body
    : Array.isArray((body as { events?: unknown } | null)?.events)
      ? (body as { events: unknown[] }).events
      : [body];
  const sites = new Set<string>();
  for (const event of events) {
    const site = (event as { site_id?: unknown } | null)?.site_id;
    sites.add(resolveSite(typeof site === 'string' ? site : undefined, defaultSiteId));
  }
  return sites;
}

/**
 * Per-site origins: a browser's events for a site listed in SITE_ORIGINS must come from one of its
 * origins, so another site's pages cannot pollute its numbers through visitors' browsers. Requests
 * without Origin (servers, curl) pass: the header only binds browsers, and ingest is public by design.
 */
export function enforceSiteOrigins(
  app: FastifyInstance,
  siteOrigins: ReadonlyMap<string, ReadonlySet<string>>,
  defaultSiteId: string,
): void {
  if (siteOrigins.size === 0) return;
  app.addHook('preHandler', async (request) => {
    const path = request.url.split('?', 1)[0];
    const origin = request.headers.origin;
    if ((path !== '/track' && path !== '/track/batch') || origin === undefined) return;
    for (const site of sitesOf(request.body, defaultSiteId)) {
      const allowed = siteOrigins.get(site);
      if (allowed !== undefined && !allowed.has(origin.toLowerCase())) {
        throw new ClickstreamError(
          'ORIGIN_NOT_ALLOWED',
          `events for site ${site} are not accepted from ${origin}`,
          { field: 'site_id' },
        );
      }
    }
  });
}
