import { ClickstreamError } from '../../domain/errors.js';
import { HyperLogLog } from '../../domain/hyperloglog.js';
import {
  emptyGroup,
  type AggregatePlan,
  type AggregateResult,
  type GroupAggregate,
  type GroupKey,
} from '../../domain/stats/aggregate-plan.js';
import { describeRange, resolveDateRange } from '../../domain/stats/date-range.js';
import {
  goalFilter,
  lowerGoalFilters,
  withoutGoalFilters,
  type Goal,
} from '../../domain/stats/goals.js';
import {
  autoGranularity,
  bucketLabel,
  bucketStarts,
  offsetSegments,
} from '../../domain/stats/local-time.js';
import { QUERY_LIMITS, type ParsedRequest } from '../../domain/stats/parse-request.js';
import {
  isTimeDimension,
  VISIT_METRICS,
  type FilterExpr,
  type StatsAnswer,
  type StatsQuery,
  type TimeGranularity,
} from '../../domain/stats/query-model.js';
import type { AnalyticsReader } from '../../ports/analytics-reader.js';
import { keyedRows, orderAndPage, type FinalizeContext } from './finalize.js';

export interface StatsEngineOptions {
  reader: AnalyticsReader;
  /** The goals of a site (for event:goal). */
  goals(siteId: string): Promise<readonly Goal[]>;
  /** The site's timezone when a query names none. */
  timezoneOf(siteId: string): string;
  maxRangeDays: number;
  now?: () => number;
}

export interface StatsOutcome {
  query: StatsQuery;
  answer: StatsAnswer;
}

export type StatsEngine = ReturnType<typeof createStatsEngine>;

/**
 * Runs a general query: resolves the range and the time buckets in the query's timezone, lowers
 * goals to filters, asks the store for its sums, and finalizes metrics, order and pages.
 */
export function createStatsEngine(options: StatsEngineOptions) {
  const now = options.now ?? Date.now;

  const resolve = async (parsed: ParsedRequest): Promise<StatsQuery> => {
    const timezone = parsed.timezone ?? options.timezoneOf(parsed.siteId);
    const firstEventAt =
      parsed.dateRange === 'all' ? await options.reader.firstEventAt(parsed.siteId) : null;
    const { from, to } = resolveDateRange(parsed.dateRange, {
      timezone,
      now: now(),
      maxRangeDays: options.maxRangeDays,
      firstEventAt,
    });
    return { ...parsed, timezone, from, to };
  };

  return {
    resolve,
    async run(parsed: ParsedRequest): Promise<StatsOutcome> {
      const query = await resolve(parsed);
      return { query, answer: await answer(query) };
    },
    /** A query whose range is already resolved (the fixed routes build these). */
    answer,
    /** The store's sums per group, for callers that need more precision than the metrics round to. */
    async sums(query: StatsQuery): Promise<{
      groups: GroupAggregate[];
      sampleFraction: number;
      registers?: number | undefined;
    }> {
      const { plan } = await planOf(query);
      const result = await options.reader.aggregate(plan);
      return {
        groups: result.groups,
        sampleFraction: result.sampleFraction,
        registers: result.registers,
      };
    },
  };

  async function planOf(query: StatsQuery) {
    const timeIndex = query.dimensions.findIndex(isTimeDimension);
    const granularity =
      timeIndex < 0 ? null : granularityOf(query.dimensions[timeIndex]!, query.from, query.to);
    const segments = offsetSegments(query.timezone, query.from, query.to);
    const labels =
      granularity === null
        ? null
        : bucketStarts(query.from, query.to, granularity, segments, QUERY_LIMITS.timeBuckets);
    if (labels && labels.length > QUERY_LIMITS.timeBuckets) {
      throw new ClickstreamError(
        'INVALID_QUERY',
        `the range holds more than ${QUERY_LIMITS.timeBuckets} ${granularity}s; choose a coarser time dimension or a shorter range`,
        { field: `dimensions[${timeIndex}]` },
      );
    }
    const needsGoals =
      query.dimensions.includes('event:goal') ||
      JSON.stringify(query.filter ?? []).includes('"event:goal"');
    const goals = needsGoals ? await options.goals(query.siteId) : [];
    const groupBy: GroupKey[] = query.dimensions.map((dimension): GroupKey => {
      if (isTimeDimension(dimension)) return { kind: 'time', granularity: granularity!, segments };
      if (dimension === 'event:goal')
        return { kind: 'goal', goals: goals.map((g) => ({ name: g.name, filter: goalFilter(g) })) };
      return { kind: 'attribute', dimension };
    });
    const metrics = new Set(query.metrics);
    const plan: AggregatePlan = {
      siteId: query.siteId,
      from: query.from,
      to: query.to,
      includeBots: query.includeBots,
      groupBy,
      filter: lowerGoalFilters(query.filter, goals),
      needs: {
        counts: metrics.has('pageviews') || metrics.has('events'),
        visitors:
          metrics.has('visitors') || metrics.has('percentage') || metrics.has('conversion_rate'),
        scroll: metrics.has('scroll_depth'),
        visits: [...metrics].some((m) => VISIT_METRICS.has(m)),
      },
    };
    const first =
      query.orderBy[0] ??
      (timeIndex < 0 ? { name: query.metrics[0], direction: 'desc' } : undefined);
    if (
      timeIndex < 0 &&
      groupBy.length > 0 &&
      first?.name === 'visitors' &&
      first.direction === 'desc'
    )
      plan.top = { limit: query.offset + query.limit };
    return { plan, timeIndex, granularity, labels, goals };
  }

  async function answer(query: StatsQuery): Promise<StatsAnswer> {
    const { plan, timeIndex, granularity, labels, goals } = await planOf(query);
    const metrics = new Set(query.metrics);
    const result = await options.reader.aggregate(plan);
    if (result.groups.length > QUERY_LIMITS.groups) {
      throw new ClickstreamError(
        'INVALID_QUERY',
        `the query makes more than ${QUERY_LIMITS.groups} groups; add filters or drop a dimension`,
        { field: 'dimensions' },
      );
    }
    const groups =
      query.dimensions.length === 0 && result.groups.length === 0
        ? [emptyGroup([])]
        : result.groups;
    const context: FinalizeContext = {
      timeGranularity: granularity,
      timeIndex,
      sampleFraction: result.sampleFraction,
      registers: result.registers,
      totalVisitors: metrics.has('percentage') ? await visitorsOf(plan, plan.filter) : null,
      goalBaseVisitors: metrics.has('conversion_rate')
        ? await visitorsOf(plan, lowerGoalFilters(withoutGoalFilters(query.filter), goals))
        : null,
    };
    const { rows, total } = orderAndPage(query, keyedRows(groups, query.metrics, context), context);
    return {
      results: rows,
      meta: {
        store: options.reader.kind,
        exact: result.sampleFraction === 1,
        sample_fraction: result.sampleFraction,
        rows_read: result.rowsRead,
        visitors_estimator: 'hyperloglog (precision 14, 0.81 % standard error)',
        ...(result.relativeError95 === undefined
          ? {}
          : { relative_error_95: result.relativeError95 }),
        ...(query.includeTotalRows ? { total_rows: total } : {}),
        ...(query.includeTimeLabels && labels
          ? { time_labels: labels.map((l) => bucketLabel(l, granularity!)) }
          : {}),
      },
    };
  }

  /** Visitors of the plan's range and filter, without dimensions (the base of percentages). */
  async function visitorsOf(plan: AggregatePlan, filter: FilterExpr | null): Promise<number> {
    const totals: AggregateResult = await options.reader.aggregate({
      ...plan,
      groupBy: [],
      filter,
      needs: { counts: false, visitors: true, scroll: false, visits: false },
    });
    const ranks = totals.groups[0]?.visitorRanks;
    if (!ranks) return 0;
    const estimate = HyperLogLog.estimateRanks(ranks, totals.registers);
    return totals.sampleFraction === 1 ? estimate : Math.round(estimate / totals.sampleFraction);
  }
}

function granularityOf(dimension: string, from: number, to: number): TimeGranularity {
  return dimension === 'time' ? autoGranularity(from, to) : (dimension.slice(5) as TimeGranularity);
}

/** The query as the answer echoes it (Plausible's `query`): the range resolved, defaults filled in. */
export function describeQuery(query: StatsQuery) {
  return {
    site_id: query.siteId,
    metrics: query.metrics,
    date_range: describeRange(query.from, query.to, query.timezone),
    timezone: query.timezone,
    dimensions: query.dimensions,
    filters: query.filter === null ? [] : toWire(query.filter),
    order_by: query.orderBy.map((t) => [t.name, t.direction]),
    include: {
      total_rows: query.includeTotalRows,
      time_labels: query.includeTimeLabels,
      bots: query.includeBots,
    },
    pagination: { limit: query.limit, offset: query.offset },
  };
}

function toWire(filter: FilterExpr): unknown[] {
  if (filter.kind === 'leaf') return [toWireOne(filter)];
  return filter.kind === 'and' ? filter.children.map(toWireOne) : [toWireOne(filter)];
}

function toWireOne(filter: FilterExpr): unknown {
  switch (filter.kind) {
    case 'leaf':
      return [filter.op, filter.dimension, filter.values];
    case 'not':
      return ['not', toWireOne(filter.child)];
    default:
      return [filter.kind, filter.children.map(toWireOne)];
  }
}
