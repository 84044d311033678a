import type { AggregateQuery, AggregateRow, GroupBy, Metric, VisitorEventsPage } from '../domain/analytics-query.js';
import type { Dimension } from '../domain/dimensions.js';
import { ClickstreamError } from '../domain/errors.js';
import type { Granularity } from '../domain/time-buckets.js';
import type { AnalyticsReader } from '../ports/analytics-reader.js';
import { leftOut, type LeftOut } from './left-out.js';
import { resolveRange, type RangeInput } from './query-range.js';

export interface Scope extends RangeInput {
  siteId?: string | undefined;
  includeBots?: boolean | undefined;
}

export interface AnalyticsLimits {
  defaultSiteId: string;
  maxRangeDays: number;
  maxRows: number;
  /** Time series may have at most this many points. */
  maxPoints: number;
}

export type BreakdownDimension = Exclude<Dimension, 'total' | 'page'>;

export interface PageViews {
  pageviews: number;
  events: number;
  visitors: number;
  /** Set when nothing was counted and something was left out (bots, other event types): why. */
  leftOut?: LeftOut;
}

/**
 * The questions REST and GraphQL both answer, each compiled into the one general AggregateQuery.
 * Validation of ranges and limits lives here so both edges refuse the same things the same way.
 */
export function createAnalyticsService(reader: AnalyticsReader, limits: AnalyticsLimits) {
  const query = async (scope: Scope, metrics: readonly Metric[], groupBy: GroupBy, extra: Partial<AggregateQuery> = {}): Promise<AggregateRow[]> => {
    const range = resolveRange(scope, { maxRangeDays: limits.maxRangeDays, defaultDays: defaultDaysOf(groupBy) });
    const q: AggregateQuery = { siteId: scope.siteId ?? limits.defaultSiteId, ...range, metrics, groupBy, includeBots: scope.includeBots ?? false, ...extra };
    return reader.aggregate(q);
  };
  const single = async (scope: Scope, metrics: readonly Metric[], page?: string) =>
    (await query(scope, metrics, { kind: 'none' }, { page }))[0]?.values ?? {};
  const checkLimit = (limit: number | undefined): number => {
    const value = limit ?? 10;
    if (!Number.isInteger(value) || value < 1 || value > limits.maxRows) {
      throw new ClickstreamError('INVALID_QUERY', `must be an integer from 1 to ${limits.maxRows}`, { field: 'limit' });
    }
    return value;
  };

  return {
    pageViews: async (scope: Scope, page: string): Promise<PageViews> => {
      const path = normalisePage(page);
      const values = await single(scope, ['pageviews', 'events', 'visitors'], path);
      const counts = { pageviews: values.pageviews ?? 0, events: values.events ?? 0, visitors: values.visitors ?? 0 };
      // Only when nothing was counted is a second look worth its cost: then the answer says why.
      if (counts.pageviews > 0) return counts;
      const everyone = scope.includeBots === true ? values : await single({ ...scope, includeBots: true }, ['pageviews', 'events'], path);
      const explained = leftOut(path, counts, { pageviews: everyone.pageviews ?? 0, events: everyone.events ?? 0 });
      return explained ? { ...counts, leftOut: explained } : counts;
    },
    uniqueVisitors: async (scope: Scope, page?: string) => (await single(scope, ['visitors'], page === undefined ? undefined : normalisePage(page))).visitors ?? 0,
    sessions: async (scope: Scope) => {
      const v = await single(scope, ['sessions', 'bounce_rate', 'avg_duration_ms']);
      return { sessions: v.sessions ?? 0, bounce_rate: v.bounce_rate ?? 0, avg_duration_ms: v.avg_duration_ms ?? 0 };
    },
    timeseries: async (scope: Scope, interval: Granularity, metrics: readonly Metric[], page?: string) => {
      const range = resolveRange(scope, { maxRangeDays: limits.maxRangeDays, defaultDays: defaultDaysOf({ kind: 'time', granularity: interval }) });
      const points = Math.ceil((range.to - range.from) / { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[interval]);
      if (points > limits.maxPoints) {
        throw new ClickstreamError('INVALID_QUERY', `range holds ${points} ${interval}s; at most ${limits.maxPoints} points per series`, { field: 'interval' });
      }
      const rows = await query(scope, metrics, { kind: 'time', granularity: interval }, { page: page === undefined ? undefined : normalisePage(page) });
      return rows.map((r) => ({ time: new Date(Number(r.key)).toISOString(), ...r.values }));
    },
    topPages: async (scope: Scope, limit?: number) =>
      (await query(scope, ['pageviews', 'visitors'], { kind: 'dimension', dimension: 'page' }, { limit: checkLimit(limit) })).map((r) => ({
        page: String(r.key),
        pageviews: r.values.pageviews ?? 0,
        visitors: r.values.visitors ?? 0,
      })),
    eventCounts: async (scope: Scope, limit?: number) =>
      (await query(scope, ['events'], { kind: 'dimension', dimension: 'event_type' }, { limit: checkLimit(limit ?? 50) })).map((r) => ({
        event_type: String(r.key),
        events: r.values.events ?? 0,
      })),
    breakdown: async (scope: Scope, dimension: BreakdownDimension, limit?: number) =>
      (await query(scope, ['pageviews', 'events'], { kind: 'dimension', dimension }, { limit: checkLimit(limit) })).map((r) => ({
        value: String(r.key),
        pageviews: r.values.pageviews ?? 0,
        events: r.values.events ?? 0,
      })),
    userEvents: (siteId: string | undefined, userId: string, limit: number | undefined, cursor: string | undefined): Promise<VisitorEventsPage> =>
      reader.visitorEvents({ siteId: siteId ?? limits.defaultSiteId, visitorId: userId, limit: checkLimit(limit ?? 50), cursor }),
  };
}

export type AnalyticsService = ReturnType<typeof createAnalyticsService>;

/** Without `from`, a minute series covers the last day (1,440 points); everything else 30 days. */
export function defaultDaysOf(groupBy: GroupBy): number {
  return groupBy.kind === 'time' && groupBy.granularity === 'minute' ? 1 : 30;
}

/** `home`, `/home` and `/home/` name the same page. */
export function normalisePage(page: string): string {
  let path = page.startsWith('/') ? page : `/${page}`;
  if (path.length > 1) path = path.replace(/\/+$/, '') || '/';
  if (path.length > 2048) throw new ClickstreamError('INVALID_QUERY', 'must be at most 2048 characters', { field: 'page' });
  return path;
}
