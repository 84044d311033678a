import type { AggregateQuery, AggregateRow, VisitorEventsPage, VisitorEventsQuery } from '../domain/analytics-query.js';

/** The read side of the store; answers the query layer. Same adapters as EventStore. */
export interface AnalyticsReader {
  aggregate(query: AggregateQuery): Promise<AggregateRow[]>;
  visitorEvents(query: VisitorEventsQuery): Promise<VisitorEventsPage>;
  /**
   * Up to `limit` site ids that have counters, in ascending order (for a dashboard's site picker).
   * Must not scan every counter: a store with years of data answers as fast as an empty one.
   */
  sites(limit: number): Promise<string[]>;
  /** Cheap round trip for /readyz. */
  ping(): Promise<void>;
}
