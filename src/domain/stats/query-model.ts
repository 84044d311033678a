/**
 * The general query's vocabulary: metrics, dimensions and filters as docs/query.md defines them.
 * The request parser turns a client's JSON into a StatsQuery; the engine plans it for a store.
 */
export const STATS_METRICS = [
  'visitors',
  'visits',
  'pageviews',
  'events',
  'views_per_visit',
  'bounce_rate',
  'visit_duration',
  'scroll_depth',
  'percentage',
  'conversion_rate',
] as const;
export type StatsMetric = (typeof STATS_METRICS)[number];

/** Metrics computed over visits; they cannot go with event:* dimensions. */
export const VISIT_METRICS: ReadonlySet<StatsMetric> = new Set([
  'visits',
  'views_per_visit',
  'bounce_rate',
  'visit_duration',
]);

export const EVENT_DIMENSIONS = [
  'event:page',
  'event:name',
  'event:hostname',
  'event:goal',
] as const;
export const VISIT_DIMENSIONS = [
  'visit:entry_page',
  'visit:exit_page',
  'visit:source',
  'visit:referrer',
  'visit:channel',
  'visit:utm_source',
  'visit:utm_medium',
  'visit:utm_campaign',
  'visit:utm_content',
  'visit:utm_term',
  'visit:device',
  'visit:browser',
  'visit:browser_version',
  'visit:os',
  'visit:os_version',
  'visit:country',
  'visit:region',
  'visit:city',
] as const;
export const TIME_DIMENSIONS = [
  'time',
  'time:minute',
  'time:hour',
  'time:day',
  'time:week',
  'time:month',
] as const;
export const PROPS_PREFIX = 'event:props:';

export type EventDimension = (typeof EVENT_DIMENSIONS)[number];
export type VisitDimension = (typeof VISIT_DIMENSIONS)[number];
export type TimeDimension = (typeof TIME_DIMENSIONS)[number];
export type PropertyDimension = `event:props:${string}`;
/** A dimension that is a value of an event or of its visit (not time). */
export type AttributeDimension = EventDimension | VisitDimension | PropertyDimension;
export type StatsDimension = AttributeDimension | TimeDimension;
export type TimeGranularity = 'minute' | 'hour' | 'day' | 'week' | 'month';

/** The label of a missing value; `visit:source` and `visit:referrer` use DIRECT instead. */
export const NONE = '(none)';
export const DIRECT_NONE = 'Direct / None';

export const FILTER_OPERATORS = [
  'is',
  'is_not',
  'contains',
  'contains_not',
  'matches',
  'matches_not',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/**
 * A filter tree. `and` of no children holds always, `or` of no children never (what a goal filter
 * naming no known goal becomes).
 */
export type FilterExpr =
  | { kind: 'leaf'; op: FilterOperator; dimension: AttributeDimension; values: readonly string[] }
  | { kind: 'and' | 'or'; children: readonly FilterExpr[] }
  | { kind: 'not'; child: FilterExpr };

export interface OrderTerm {
  /** A requested metric or dimension. */
  name: string;
  direction: 'asc' | 'desc';
}

/** A validated query: the range resolved to instants, defaults filled in. */
export interface StatsQuery {
  siteId: string;
  metrics: readonly StatsMetric[];
  /** [from, to) in ms since the epoch. */
  from: number;
  to: number;
  timezone: string;
  dimensions: readonly StatsDimension[];
  filter: FilterExpr | null;
  orderBy: readonly OrderTerm[];
  includeBots: boolean;
  includeTotalRows: boolean;
  includeTimeLabels: boolean;
  limit: number;
  offset: number;
}

export interface StatsRow {
  dimensions: string[];
  metrics: Array<number | null>;
}

export interface StatsMeta {
  store: string;
  exact: boolean;
  sample_fraction: number;
  rows_read: number;
  visitors_estimator: string;
  relative_error_95?: number;
  total_rows?: number;
  time_labels?: string[];
}

export interface StatsAnswer {
  results: StatsRow[];
  meta: StatsMeta;
}

export function isTimeDimension(dimension: string): dimension is TimeDimension {
  return (TIME_DIMENSIONS as readonly string[]).includes(dimension);
}

export function isEventDimension(
  dimension: string,
): dimension is EventDimension | PropertyDimension {
  return (
    (EVENT_DIMENSIONS as readonly string[]).includes(dimension) ||
    dimension.startsWith(PROPS_PREFIX)
  );
}

export function isVisitDimension(dimension: string): dimension is VisitDimension {
  return (VISIT_DIMENSIONS as readonly string[]).includes(dimension);
}

/** The label a missing value of a dimension gets. */
export function missingLabel(dimension: AttributeDimension): string {
  return dimension === 'visit:source' || dimension === 'visit:referrer' ? DIRECT_NONE : NONE;
}
