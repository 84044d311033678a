import type { AggregateQuery, AggregateRow, VisitorEventsPage, VisitorEventsQuery } from '../domain/analytics-query.js';

/** The read side of the store; answers the query layer. Same adapters as EventStore. */
export interface AnalyticsReader {
  aggregate(query: AggregateQuery): Promise<AggregateRow[]>;
  visitorEvents(query: VisitorEventsQuery): Promise<VisitorEventsPage>;
  /** Cheap round trip for /readyz. */
  ping(): Promise<void>;
}
