import { HyperLogLog } from '../../domain/hyperloglog.js';
import type { GroupAggregate } from '../../domain/stats/aggregate-plan.js';
import { bucketLabel } from '../../domain/stats/local-time.js';
import type {
  StatsMetric,
  StatsQuery,
  StatsRow,
  TimeGranularity,
} from '../../domain/stats/query-model.js';

export interface FinalizeContext {
  /** Granularity of the time dimension, by its position among the dimensions. */
  timeGranularity: TimeGranularity | null;
  timeIndex: number;
  sampleFraction: number;
  /** HLL registers the stores' rank histograms cover (16,384 unless sampled by register). */
  registers?: number | undefined;
  /** Visitors of the query without dimensions (percentage) and also without goal filters (conversion_rate). */
  totalVisitors: number | null;
  goalBaseVisitors: number | null;
}

const round = (value: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

/** Turns a store's sums into the metrics of docs/query.md, one row per group. */
export function metricValues(
  group: GroupAggregate,
  metrics: readonly StatsMetric[],
  context: FinalizeContext,
): Array<number | null> {
  const scale = (n: number): number =>
    context.sampleFraction === 1 ? n : Math.round(n / context.sampleFraction);
  const visitors = (): number =>
    group.visitorRanks
      ? scale(HyperLogLog.estimateRanks(group.visitorRanks, context.registers))
      : 0;
  return metrics.map((metric): number | null => {
    switch (metric) {
      case 'visitors':
        return visitors();
      case 'pageviews':
        return scale(group.pageviews);
      case 'events':
        return scale(group.events);
      case 'visits':
        return scale(group.visits);
      case 'views_per_visit':
        return group.visits ? round(group.visitPageviews / group.visits, 2) : 0;
      case 'bounce_rate':
        return group.visits ? Math.round((100 * group.bounces) / group.visits) : 0;
      case 'visit_duration':
        return group.visits ? Math.round(group.visitDurationMs / group.visits / 1000) : 0;
      case 'scroll_depth':
        return group.scrollPages ? Math.round(group.scrollDepthSum / group.scrollPages) : null;
      case 'percentage':
        return context.totalVisitors ? round((100 * visitors()) / context.totalVisitors, 1) : 0;
      case 'conversion_rate':
        return context.goalBaseVisitors
          ? round((100 * visitors()) / context.goalBaseVisitors, 2)
          : 0;
    }
  });
}

interface Keyed {
  key: string[];
  row: StatsRow;
}

/**
 * Orders rows: by `order_by`, else time ascending and then the first metric descending; ties
 * by the dimensions ascending, so every store gives the same order. Then pages them.
 */
export function orderAndPage(
  query: StatsQuery,
  rows: Keyed[],
  context: FinalizeContext,
): { rows: StatsRow[]; total: number } {
  const terms = query.orderBy.length > 0 ? query.orderBy : defaultOrder(query, context);
  const compareKey = (a: Keyed, b: Keyed, index: number): number => {
    if (index === context.timeIndex) return Number(a.key[index]) - Number(b.key[index]);
    const x = a.key[index]!;
    const y = b.key[index]!;
    return x < y ? -1 : x > y ? 1 : 0;
  };
  const sorted = [...rows].sort((a, b) => {
    for (const term of terms) {
      const sign = term.direction === 'asc' ? 1 : -1;
      const d = query.dimensions.indexOf(term.name as never);
      const diff =
        d >= 0
          ? compareKey(a, b, d)
          : metricOf(a, query, term.name) - metricOf(b, query, term.name);
      if (diff !== 0) return sign * diff;
    }
    for (let i = 0; i < query.dimensions.length; i++) {
      const diff = compareKey(a, b, i);
      if (diff !== 0) return diff;
    }
    return 0;
  });
  return {
    rows: sorted.slice(query.offset, query.offset + query.limit).map((r) => labelled(r, context)),
    total: rows.length,
  };
}

function metricOf(row: Keyed, query: StatsQuery, name: string): number {
  return row.row.metrics[query.metrics.indexOf(name as StatsMetric)] ?? -1;
}

function defaultOrder(query: StatsQuery, context: FinalizeContext) {
  const terms: Array<{ name: string; direction: 'asc' | 'desc' }> = [];
  if (context.timeIndex >= 0)
    terms.push({ name: query.dimensions[context.timeIndex]!, direction: 'asc' });
  terms.push({ name: query.metrics[0]!, direction: 'desc' });
  return terms;
}

function labelled(keyed: Keyed, context: FinalizeContext): StatsRow {
  if (context.timeIndex < 0 || context.timeGranularity === null) return keyed.row;
  const dimensions = [...keyed.row.dimensions];
  dimensions[context.timeIndex] = bucketLabel(
    Number(keyed.key[context.timeIndex]),
    context.timeGranularity,
  );
  return { ...keyed.row, dimensions };
}

export function keyedRows(
  groups: readonly GroupAggregate[],
  metrics: readonly StatsMetric[],
  context: FinalizeContext,
): Keyed[] {
  return groups.map((group) => ({
    key: group.key,
    row: { dimensions: group.key, metrics: metricValues(group, metrics, context) },
  }));
}
