import { parseStatsRequest } from '../../domain/stats/parse-request.js';
import { describeQuery, type StatsEngine } from '../stats/stats-engine.js';

interface FilterInput {
  op: string;
  dimension?: string | null;
  values?: string[] | null;
  filters?: FilterInput[] | null;
}

interface StatsQueryInput {
  siteId: string;
  metrics: string[];
  dateRange: string[];
  timezone?: string | null;
  dimensions?: string[] | null;
  filters?: FilterInput[] | null;
  orderBy?: Array<{ name: string; direction: string }> | null;
  include?: {
    totalRows?: boolean | null;
    timeLabels?: boolean | null;
    bots?: boolean | null;
  } | null;
  pagination?: { limit?: number | null; offset?: number | null } | null;
}

const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== null && v !== undefined),
  ) as Partial<T>;

function filterOf(input: FilterInput): unknown {
  if (input.op === 'and' || input.op === 'or')
    return [input.op, (input.filters ?? []).map(filterOf)];
  if (input.op === 'not') return ['not', input.filters?.[0] ? filterOf(input.filters[0]) : null];
  return [input.op, input.dimension ?? null, input.values ?? null];
}

/** The GraphQL input as the REST body, so one parser checks both. */
export function requestOf(input: StatsQueryInput): Record<string, unknown> {
  return defined({
    site_id: input.siteId,
    metrics: input.metrics,
    date_range: input.dateRange.length === 1 ? input.dateRange[0] : input.dateRange,
    timezone: input.timezone,
    dimensions: input.dimensions,
    filters: input.filters?.map(filterOf),
    order_by: input.orderBy?.map((o) => [o.name, o.direction]),
    include: input.include
      ? defined({
          total_rows: input.include.totalRows,
          time_labels: input.include.timeLabels,
          bots: input.include.bots,
        })
      : undefined,
    pagination: input.pagination
      ? defined({ limit: input.pagination.limit, offset: input.pagination.offset })
      : undefined,
  });
}

export function createStatsResolvers(stats: StatsEngine) {
  return {
    analytics: async (_: unknown, args: { query: StatsQueryInput }) => {
      const { query, answer } = await stats.run(parseStatsRequest(requestOf(args.query)));
      const { meta } = answer;
      return {
        results: answer.results,
        meta: {
          store: meta.store,
          exact: meta.exact,
          sampleFraction: meta.sample_fraction,
          rowsRead: meta.rows_read,
          visitorsEstimator: meta.visitors_estimator,
          relativeError95: meta.relative_error_95,
          totalRows: meta.total_rows,
          timeLabels: meta.time_labels,
        },
        dateRange: describeQuery(query).date_range,
        timezone: query.timezone,
      };
    },
  };
}
