import type { Metric, VisitorEventsPage } from '../domain/analytics-query.js';
import { ClickstreamError } from '../domain/errors.js';
import type { SiteId } from '../domain/site-id.js';
import type { GroupAggregate } from '../domain/stats/aggregate-plan.js';
import { bucketStarts, offsetSegments } from '../domain/stats/local-time.js';
import type {
  FilterExpr,
  StatsDimension,
  StatsMetric,
  StatsQuery,
} from '../domain/stats/query-model.js';
import type { Granularity } from '../domain/time-buckets.js';
import type { AnalyticsReader } from '../ports/analytics-reader.js';
import { leftOut, type LeftOut } from './left-out.js';
import { resolveRange, type RangeInput } from './query-range.js';
import type { StatsEngine } from './stats/stats-engine.js';
import { keyedRows } from './stats/finalize.js';

export interface Scope extends RangeInput {
  /** Resolved and authorized at the edge (REST's site-scope hook, GraphQL's guardSites). */
  siteId: SiteId;
  includeBots?: boolean | undefined;
}

export interface AnalyticsLimits {
  maxRangeDays: number;
  maxRows: number;
  /** Time series may have at most this many points. */
  maxPoints: number;
}

export type BreakdownDimension =
  | 'event_type'
  | 'referrer'
  | 'browser'
  | 'os'
  | 'device'
  | 'utm_source'
  | 'utm_medium'
  | 'utm_campaign';

/** What each fixed breakdown route groups by in the general query. */
const BREAKDOWN_DIMENSIONS: Record<BreakdownDimension, StatsDimension> = {
  event_type: 'event:name',
  referrer: 'visit:source',
  browser: 'visit:browser',
  os: 'visit:os',
  device: 'visit:device',
  utm_source: 'visit:utm_source',
  utm_medium: 'visit:utm_medium',
  utm_campaign: 'visit:utm_campaign',
};
const LEGACY_DIRECT = '(direct)';

export interface PageViews {
  pageviews: number;
  events: number;
  visitors: number;
  /** Set when nothing was counted and something was left out (bots, other event types): why. */
  leftOut?: LeftOut;
}

/**
 * The fixed REST routes and GraphQL fields, each a thin caller of the general query (UTC, ranges
 * as [from, to) instants). Validation of ranges and limits lives here so both edges refuse the
 * same things the same way.
 */
export function createAnalyticsService(
  engine: StatsEngine,
  reader: AnalyticsReader,
  limits: AnalyticsLimits,
) {
  const queryOf = (
    scope: Scope,
    metrics: StatsMetric[],
    extra: Partial<StatsQuery> = {},
    defaultDays = 30,
  ): StatsQuery => ({
    siteId: scope.siteId,
    metrics,
    ...resolveRange(scope, { maxRangeDays: limits.maxRangeDays, defaultDays }),
    timezone: 'UTC',
    dimensions: [],
    filter: null,
    orderBy: [],
    includeBots: scope.includeBots ?? false,
    includeTotalRows: false,
    includeTimeLabels: false,
    limit: limits.maxRows,
    offset: 0,
    ...extra,
  });
  const pageFilter = (page: string | undefined): FilterExpr | null =>
    page === undefined
      ? null
      : { kind: 'leaf', op: 'is', dimension: 'event:page', values: [normalisePage(page)] };
  const values = async (query: StatsQuery) => (await engine.answer(query)).results;
  const checkLimit = (limit: number | undefined, fallback = 10): number => {
    const value = limit ?? fallback;
    if (!Number.isInteger(value) || value < 1 || value > limits.maxRows) {
      throw new ClickstreamError(
        'INVALID_QUERY',
        `must be an integer from 1 to ${limits.maxRows}`,
        { field: 'limit' },
      );
    }
    return value;
  };

  return {
    pageViews: async (scope: Scope, page: string): Promise<PageViews> => {
      const path = normalisePage(page);
      const [row] = await values(
        queryOf(scope, ['pageviews', 'events', 'visitors'], { filter: pageFilter(path) }),
      );
      const [pageviews = 0, events = 0, visitors = 0] = (row?.metrics ?? []) as number[];
      const counts = { pageviews, events, visitors };
      // Only when nothing was counted is a second look worth its cost: then the answer says why.
      if (pageviews > 0) return counts;
      const everyone =
        scope.includeBots === true
          ? counts
          : await values(
              queryOf({ ...scope, includeBots: true }, ['pageviews', 'events'], {
                filter: pageFilter(path),
              }),
            ).then(([r]) => ({
              pageviews: (r?.metrics[0] as number | undefined) ?? 0,
              events: (r?.metrics[1] as number | undefined) ?? 0,
            }));
      const explained = leftOut(path, counts, everyone);
      return explained ? { ...counts, leftOut: explained } : counts;
    },
    uniqueVisitors: async (scope: Scope, page?: string) => {
      const [row] = await values(queryOf(scope, ['visitors'], { filter: pageFilter(page) }));
      return (row?.metrics[0] as number | undefined) ?? 0;
    },
    sessions: async (scope: Scope) => {
      const { groups, sampleFraction } = await engine.sums(queryOf(scope, ['visits']));
      return sessionValues(groups[0], sampleFraction);
    },
    timeseries: async (
      scope: Scope,
      interval: Granularity,
      metrics: readonly Metric[],
      page?: string,
    ) => {
      const defaultDays = interval === 'minute' ? 1 : 30;
      const query = queryOf(
        scope,
        ['pageviews', 'events', 'visitors'],
        { dimensions: [`time:${interval}`], filter: pageFilter(page) },
        defaultDays,
      );
      const segments = offsetSegments('UTC', query.from, query.to);
      const starts = bucketStarts(query.from, query.to, interval, segments, limits.maxPoints);
      if (starts.length > limits.maxPoints) {
        throw new ClickstreamError(
          'INVALID_QUERY',
          `range holds more than ${limits.maxPoints} ${interval}s; at most ${limits.maxPoints} points per series`,
          { field: 'interval' },
        );
      }
      const needsVisits = metrics.some(
        (m) => m === 'sessions' || m === 'bounce_rate' || m === 'avg_duration_ms',
      );
      const { groups, sampleFraction, registers } = await engine.sums({
        ...query,
        metrics: needsVisits ? ['pageviews', 'events', 'visitors', 'visits'] : query.metrics,
      });
      const byBucket = new Map(groups.map((g) => [Number(g.key[0]), g]));
      const context = {
        timeGranularity: null,
        timeIndex: -1,
        sampleFraction,
        registers,
        totalVisitors: null,
        goalBaseVisitors: null,
      };
      return starts.map((start) => {
        const group = byBucket.get(start);
        const [pageviews = 0, events = 0, visitors = 0] = group
          ? (keyedRows([group], ['pageviews', 'events', 'visitors'], context)[0]!.row
              .metrics as number[])
          : [];
        const all: Record<Metric, number> = {
          pageviews,
          events,
          visitors,
          ...sessionValues(group, sampleFraction),
        };
        return {
          time: new Date(start).toISOString(),
          ...Object.fromEntries(metrics.map((m) => [m, all[m]])),
        };
      });
    },
    topPages: async (scope: Scope, limit?: number) =>
      (
        await values(
          queryOf(scope, ['pageviews', 'visitors'], {
            dimensions: ['event:page'],
            limit: checkLimit(limit),
          }),
        )
      ).map((r) => ({
        page: r.dimensions[0]!,
        pageviews: r.metrics[0] as number,
        visitors: r.metrics[1] as number,
      })),
    eventCounts: async (scope: Scope, limit?: number) =>
      (
        await values(
          queryOf(scope, ['events'], { dimensions: ['event:name'], limit: checkLimit(limit, 50) }),
        )
      ).map((r) => ({
        event_type: r.dimensions[0]!,
        events: r.metrics[0] as number,
      })),
    breakdown: async (scope: Scope, dimension: BreakdownDimension, limit?: number) => {
      const dim = BREAKDOWN_DIMENSIONS[dimension];
      // UTM breakdowns list the visits that had the parameter, as before the general query.
      const filter: FilterExpr | null = dim.startsWith('visit:utm_')
        ? { kind: 'leaf', op: 'is_not', dimension: dim as 'visit:utm_source', values: ['(none)'] }
        : null;
      const rows = await values(
        queryOf(scope, ['pageviews', 'events'], {
          dimensions: [dim],
          filter,
          limit: checkLimit(limit),
        }),
      );
      return rows.map((r) => ({
        value:
          dimension === 'referrer' && r.dimensions[0] === 'Direct / None'
            ? LEGACY_DIRECT
            : r.dimensions[0]!,
        pageviews: r.metrics[0] as number,
        events: r.metrics[1] as number,
      }));
    },
    userEvents: (
      siteId: SiteId,
      userId: string,
      limit: number | undefined,
      cursor: string | undefined,
    ): Promise<VisitorEventsPage> =>
      reader.visitorEvents({
        siteId,
        visitorId: userId,
        limit: checkLimit(limit ?? 50),
        cursor,
      }),
  };
}

export type AnalyticsService = ReturnType<typeof createAnalyticsService>;

/** The session figures of the fixed routes: a bounce rate as a fraction, durations in ms. */
function sessionValues(group: GroupAggregate | undefined, sampleFraction = 1) {
  if (!group || group.visits === 0) return { sessions: 0, bounce_rate: 0, avg_duration_ms: 0 };
  return {
    sessions: Math.round(group.visits / sampleFraction),
    bounce_rate: Math.round((group.bounces / group.visits) * 10_000) / 10_000,
    avg_duration_ms: Math.round(group.visitDurationMs / group.visits),
  };
}

/** Without `from`, a minute series covers the last day (1,440 points); everything else 30 days. */
export function defaultDaysOf(interval: Granularity | null): number {
  return interval === 'minute' ? 1 : 30;
}

/** `home`, `/home` and `/home/` name the same page. */
export function normalisePage(page: string): string {
  let path = page.startsWith('/') ? page : `/${page}`;
  if (path.length > 1) path = path.replace(/\/+$/, '') || '/';
  if (path.length > 2048)
    throw new ClickstreamError('INVALID_QUERY', 'must be at most 2048 characters', {
      field: 'page',
    });
  return path;
}
