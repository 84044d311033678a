import { FILTER_OPERATORS, STATS_METRICS } from '../../domain/stats/query-model.js';

/**
 * `analytics(query:)`: the general query (docs/query.md) with typed input and output. The input
 * is turned into the REST body and checked by the same parser, so both refuse the same things.
 */
export const statsTypeDefs = /* GraphQL */ `
  enum StatsMetric { ${STATS_METRICS.join(' ')} }
  enum StatsFilterOperator { ${FILTER_OPERATORS.join(' ')} and or not }
  enum SortDirection { asc desc }

  """
  A filter: with is, is_not, contains, contains_not, matches or matches_not, a dimension and its
  values; with and/or, the filters it combines; with not, the one filter it negates.
  """
  input StatsFilter {
    op: StatsFilterOperator!
    dimension: String
    values: [String!]
    filters: [StatsFilter!]
  }
  input StatsOrder { name: String!, direction: SortDirection! }
  input StatsInclude { totalRows: Boolean, timeLabels: Boolean, bots: Boolean }
  input StatsPagination { limit: Int, offset: Int }

  input StatsQuery {
    siteId: String!
    metrics: [StatsMetric!]!
    "A shortcut (7d, 30d, month, …) or [from, to] as dates or date-times with a zone."
    dateRange: [String!]!
    timezone: String
    "event:page, event:name, event:hostname, event:goal, event:props:<key>, visit:*, time, time:minute|hour|day|week|month"
    dimensions: [String!]
    filters: [StatsFilter!]
    orderBy: [StatsOrder!]
    include: StatsInclude
    pagination: StatsPagination
  }

  type StatsRow {
    dimensions: [String!]!
    "In the order of the query's metrics; null where a metric has no value (scroll depth without page views)."
    metrics: [Float]!
  }
  type StatsMeta {
    store: String!
    exact: Boolean!
    sampleFraction: Float!
    rowsRead: Float!
    visitorsEstimator: String!
    relativeError95: Float
    totalRows: Int
    timeLabels: [String!]
  }
  type StatsResult {
    results: [StatsRow!]!
    meta: StatsMeta!
    "The range the query covered: two instants, both included."
    dateRange: [String!]!
    timezone: String!
  }

  extend type Query {
    "The general query: metrics × dimensions × filters × date range."
    analytics(query: StatsQuery!): StatsResult!
  }
`;
