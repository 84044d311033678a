import type { Dimension } from './dimensions.js';
import type { Granularity } from './time-buckets.js';
import type { TrackedEvent } from './tracked-event.js';

/**
 * One general aggregate query — metrics × one dimension (or time) × filters × range — in the
 * spirit of Plausible's Stats API. REST and GraphQL both compile their questions into it.
 */
export const METRICS = [
  'events',
  'pageviews',
  'visitors',
  'sessions',
  'bounce_rate',
  'avg_duration_ms',
] as const;
export type Metric = (typeof METRICS)[number];

export type GroupBy =
  | { kind: 'none' }
  | { kind: 'time'; granularity: Granularity }
  | { kind: 'dimension'; dimension: Exclude<Dimension, 'total'> };

export interface AggregateQuery {
  siteId: string;
  /** [from, to) in ms, aligned to the minute. */
  from: number;
  to: number;
  metrics: readonly Metric[];
  groupBy: GroupBy;
  /** Exact page path filter; only with no grouping or time grouping. */
  page?: string | undefined;
  includeBots: boolean;
  /** For dimension grouping: rows ordered by the first metric, descending. */
  limit?: number | undefined;
}

export interface AggregateRow {
  /** The dimension value, the bucket start (ms) for time grouping, or '' for no grouping. */
  key: string | number;
  values: Partial<Record<Metric, number>>;
}

export interface VisitorEventsQuery {
  siteId: string;
  visitorId: string;
  limit: number;
  /** Opaque cursor from the previous page. */
  cursor?: string | undefined;
}

export interface VisitorEventsPage {
  events: TrackedEvent[];
  nextCursor: string | null;
}
