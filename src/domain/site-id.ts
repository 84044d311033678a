import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * A site's id, the one rule everywhere a site is named: events' `site_id`, every query route and
 * GraphQL argument, goals, funnels, shared links, API keys' scopes and the settings
 * (DEFAULT_SITE_ID, SITE_TIMEZONES, SITE_ORIGINS, API_KEYS).
 */
export const SITE_ID_CHARS = '[a-z0-9][a-z0-9._-]{0,63}';
export const SITE_ID_RULE = '1 to 64 of a-z 0-9 . _ - (starting with a letter or digit)';

export const SiteId = Type.String({
  pattern: `^${SITE_ID_CHARS}$`,
  description: `A site: ${SITE_ID_RULE}.`,
});
export type SiteId = Static<typeof SiteId>;

/** A query parameter naming a site; without it the request reads DEFAULT_SITE_ID. */
export const OptionalSiteId = Type.Optional({
  ...SiteId,
  description: 'Site (default: DEFAULT_SITE_ID).',
});

const checker = Compile(SiteId);
export const isSiteId = (value: unknown): value is SiteId => checker.Check(value);

/**
 * The site an event or a request belongs to: the one it names, else DEFAULT_SITE_ID. The one place
 * that default is applied: ingest's events, the query side's REST routes and GraphQL fields.
 */
export function resolveSite(named: SiteId | null | undefined, defaultSiteId: SiteId): SiteId {
  return named ?? defaultSiteId;
}
