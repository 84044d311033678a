import { ClickstreamError } from '../domain/errors.js';

/**
 * What one caller of the query side may read: every site (a key without sites, or a loopback
 * client when no key is configured) or the sites its key names.
 */
export interface QueryAccess {
  /** null: every site. */
  readonly sites: ReadonlySet<string> | null;
  /** A shared link: reads one site's dashboard and changes nothing (see `allowsRequest`). */
  readonly readOnly?: boolean;
}

export const ALL_SITES: QueryAccess = { sites: null };

export function allowsSite(access: QueryAccess | undefined, siteId: string): boolean {
  return access !== undefined && (access.sites === null || access.sites.has(siteId));
}

/** Throws FORBIDDEN unless `access` covers `siteId`; the message names the site, never the key. */
export function assertSite(access: QueryAccess | undefined, siteId: string): void {
  if (!allowsSite(access, siteId))
    throw new ClickstreamError('FORBIDDEN', `this API key may not read site ${siteId}`, {
      field: 'site_id',
    });
}

/** Throws FORBIDDEN for read-only access (a shared link): it may not change goals, funnels, links or data. */
export function assertWritable(access: QueryAccess | undefined): void {
  if (access?.readOnly) throw new ClickstreamError('FORBIDDEN', 'a shared link is read-only');
}

/** Reads that take a JSON body. */
const READ_BY_POST: ReadonlySet<string> = new Set([
  '/analytics/query',
  '/analytics/funnel',
  '/analytics/property-keys',
  '/graphql',
]);

/**
 * What a read-only access (a shared link) may ask: the dashboard's reads — the general query, the
 * funnel, property keys, GraphQL, the fixed GET routes, goals and funnels — and nothing that changes anything,
 * lists the site's other links, or shows single visitors (timelines, the live feed).
 */
export function allowsRequest(
  access: QueryAccess | undefined,
  method: string,
  path: string,
): boolean {
  if (!access?.readOnly) return true;
  // The shell (the shared page, its assets, /share/unlock) holds no data.
  if (path !== '/graphql' && path !== '/analytics' && !path.startsWith('/analytics/')) return true;
  if (READ_BY_POST.has(path)) return method === 'POST' || method === 'GET';
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (
    path.startsWith('/analytics/users/') ||
    path.startsWith('/analytics/shared-links') ||
    path === '/analytics/live/events'
  )
    return false;
  return path.startsWith('/analytics/');
}

/** GraphQL fields that show single visitors or their events, closed to read-only access. */
export const VISITOR_LEVEL_FIELDS: ReadonlySet<string> = new Set([
  'userEvents',
  'recentEvents',
  'liveEvents',
]);

/** A listing (the site picker) shows only the sites the caller may read. */
export function visibleSites(access: QueryAccess | undefined, sites: readonly string[]): string[] {
  return sites.filter((site) => allowsSite(access, site));
}

/** The site an operation reads: `siteId` at the top, in `scope`, `filter` or `query` (GraphQL), else the default. */
export function siteOfArgs(args: unknown, defaultSiteId: string): string {
  const a = (args ?? {}) as {
    siteId?: unknown;
    scope?: { siteId?: unknown } | null;
    filter?: { siteId?: unknown } | null;
    query?: { siteId?: unknown } | null;
  };
  const site = a.siteId ?? a.scope?.siteId ?? a.filter?.siteId ?? a.query?.siteId;
  return typeof site === 'string' ? site : defaultSiteId;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the query-side authentication hook (src/http/query-auth.ts) for query routes. */
    queryAccess?: QueryAccess | undefined;
  }
}
