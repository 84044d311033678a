import type { VisitorEventsPage, VisitorEventsQuery } from '../domain/analytics-query.js';
import type { AggregatePlan, AggregateResult } from '../domain/stats/aggregate-plan.js';

/** The read side of the store; answers the query layer. Same adapters as EventStore. */
export interface AnalyticsReader {
  /** `duckdb` or `cassandra`: what a general query's answer names in `meta.store`. */
  readonly kind: string;
  /**
   * Sums per group over the counted events and visits of a range (docs/query.md). Exact, or from
   * a visitor-consistent sample that the result states.
   */
  aggregate(plan: AggregatePlan): Promise<AggregateResult>;
  /** When the site's first stored event happened (for the `all` range); null when it has none. */
  firstEventAt(siteId: string): Promise<number | null>;
  visitorEvents(query: VisitorEventsQuery): Promise<VisitorEventsPage>;
  /**
   * Up to `limit` site ids that have events, in ascending order (for a dashboard's site picker),
   * plus a cheap round trip for /readyz (`ping`).
   * Must not scan every event: a store with years of data answers as fast as an empty one.
   */
  sites(limit: number): Promise<string[]>;
  ping(): Promise<void>;
}
