import { ClickstreamError } from '../domain/errors.js';
import type { SiteId } from '../domain/site-id.js';

/**
 * Who asks the query side, and which sites it may read: every site (a key without sites, or this
 * machine when no key is configured), the sites its key names, or a shared link's one site.
 */
export interface QueryAccess {
  /** null: every site. */
  readonly sites: ReadonlySet<string> | null;
  /**
   * How it was granted. A shared link reads one site's dashboard: it may call only the routes and
   * GraphQL fields whose decision opens them to it (`sharedLink`), and none of them changes data.
   */
  readonly via: 'key' | 'shared-link';
}

/**
 * What a route (its Fastify config) or a GraphQL field decides about who may call it, beside the
 * site check every caller passes. Closed unless it opts in.
 */
export interface AccessDecision {
  /** A shared link's visitor may call it: a read of the dashboard's aggregates. */
  readonly sharedLink?: boolean | undefined;
}

export const ALL_SITES: QueryAccess = { sites: null, via: 'key' };

export function allowsSite(access: QueryAccess | undefined, siteId: string): boolean {
  return access !== undefined && (access.sites === null || access.sites.has(siteId));
}

/** Whether `access` may call what `decision` guards at all, before its site is known. */
export function mayCall(access: QueryAccess | undefined, decision: AccessDecision): boolean {
  return access?.via !== 'shared-link' || decision.sharedLink === true;
}

/**
 * The one check of a query-side request against the site it reads (REST routes in their
 * preHandler, each GraphQL field before it resolves): FORBIDDEN unless `access` may call what
 * `decision` guards and covers `siteId`. The message names the site, never the key. A per-site role
 * (which routes an account's role on a site opens) is decided here too.
 */
export function authorize(
  access: QueryAccess | undefined,
  siteId: SiteId,
  decision: AccessDecision,
): void {
  if (!mayCall(access, decision)) throw sharedLinkRefused();
  if (!allowsSite(access, siteId))
    throw new ClickstreamError('FORBIDDEN', `this API key may not read site ${siteId}`, {
      field: 'site_id',
    });
}

export const sharedLinkRefused = (): ClickstreamError =>
  new ClickstreamError('FORBIDDEN', 'a shared link is read-only and shows the dashboard only');

/** A listing (the site picker) shows only the sites the caller may read. */
export function visibleSites(access: QueryAccess | undefined, sites: readonly string[]): string[] {
  return sites.filter((site) => allowsSite(access, site));
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the query-side authentication hook (src/http/query-auth.ts) for query routes. */
    queryAccess?: QueryAccess | undefined;
    /**
     * The one site a query route reads, resolved and authorized once by the site-scope hook
     * (src/http/query-auth.ts: `site_id`, else DEFAULT_SITE_ID); empty on routes that list sites
     * or take their site from a record.
     */
    siteId: SiteId;
  }
}
