import type { AggregatePlan } from '../domain/stats/aggregate-plan.js';

/**
 * The custom properties a site's events carry, so a dashboard can break an event down by each of
 * its keys (`event:props:<key>` in the general query). Counted like the query counts events.
 */
export interface PropertyKeysReader {
  /** Up to `limit` keys of the plan's counted events, the most used first (ties by name). */
  propertyKeys(
    plan: Pick<AggregatePlan, 'siteId' | 'from' | 'to' | 'includeBots' | 'filter'>,
    limit: number,
  ): Promise<Array<{ key: string; events: number }>>;
}
