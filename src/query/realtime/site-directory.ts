import type { AnalyticsReader } from '../../ports/analytics-reader.js';
import type { LiveHub } from './live-hub.js';

export interface SiteDirectory {
  /** Sites with stored or live data, sorted; just the default site while there is none. */
  list(): Promise<string[]>;
}

const MAX_SITES = 1000;

export function createSiteDirectory(
  reader: Pick<AnalyticsReader, 'sites'>,
  live: LiveHub | undefined,
  defaultSiteId: string,
): SiteDirectory {
  return {
    async list() {
      const sites = new Set([...(await reader.sites(MAX_SITES)), ...(live?.sites() ?? [])]);
      return sites.size === 0 ? [defaultSiteId] : [...sites].sort().slice(0, MAX_SITES);
    },
  };
}
