/**
 * The differential test's reference: the answer to a general query computed from the stored
 * events by docs/query.md alone, as plainly as it can be written (lists, sets, one pass per
 * question). It never imports the engines it checks: no src/store/**, no src/query/stats/**, no
 * visit planner, HyperLogLog, local-time, aggregate plan or goal lowering. Visitors are counted
 * exactly; the harness allows the stores' estimator its stated error.
 */
import type { Goal } from '../../../src/domain/stats/goals.js';
import type {
  StatsMetric,
  StatsQuery,
  StatsRow,
  TimeGranularity,
} from '../../../src/domain/stats/query-model.js';
import type { TrackedEvent } from '../../../src/domain/tracked-event.js';
import { autoGranularity, bucketLabel, timeLabels } from './local-clock.js';
import { SPEC_CHOICES } from './spec-choices.js';
import { attributeValue, dropGoalLeaves, goalsOf, holds, visitValue } from './values.js';
import { buildVisits, dedupe, type RefVisit } from './visits.js';

export const MAX_TIME_BUCKETS = 10_000;
const TIME_DIMENSIONS = new Set([
  'time',
  'time:minute',
  'time:hour',
  'time:day',
  'time:week',
  'time:month',
]);
const VISIT_METRIC_NAMES = new Set<StatsMetric>([
  'visits',
  'views_per_visit',
  'bounce_rate',
  'visit_duration',
]);

export interface ReferenceRow extends StatsRow {
  /** The group's exact distinct visitors (the stores estimate them). */
  visitors: number;
}

export type ReferenceAnswer =
  | {
      kind: 'answer';
      /** Every group in order, before pagination. */
      all: ReferenceRow[];
      /** The page the query asks for. */
      results: ReferenceRow[];
      totalRows: number;
      /** Only when asked and the query has a time dimension. */
      timeLabels: string[] | null;
      /** Exact visitors of the query without dimensions (percentage's base) and without goal filters too (conversion_rate's). */
      totalVisitors: number;
      goalBaseVisitors: number;
    }
  /** The query is refused: its range holds more than 10,000 buckets of its time dimension. */
  | { kind: 'too-many-buckets'; dimensionIndex: number };

export interface ReferenceInput {
  /** Every event the stores were sent, retries included: the reference keeps the first copy of each event_id. */
  events: readonly TrackedEvent[];
  goals: readonly Goal[];
  query: StatsQuery;
}

interface Group {
  key: string[];
  events: number;
  pageviews: number;
  visitors: Set<string>;
  visits: RefVisit[];
  /** (visit, page) pairs with a counted page view in the group. */
  scrollPages: Map<RefVisit, Set<string>>;
  /** The deepest scroll of the group's counted events, by visit and page. */
  depths: Map<RefVisit, Map<string, number>>;
}

export function referenceAnswer({ events, goals, query }: ReferenceInput): ReferenceAnswer {
  const timeIndex = query.dimensions.findIndex((d) => TIME_DIMENSIONS.has(d));
  const granularity: TimeGranularity | null =
    timeIndex < 0
      ? null
      : query.dimensions[timeIndex] === 'time'
        ? autoGranularity(query.from, query.to)
        : (query.dimensions[timeIndex]!.slice(5) as TimeGranularity);
  const labels =
    granularity === null
      ? null
      : timeLabels(query.from, query.to, granularity, query.timezone, MAX_TIME_BUCKETS);
  if (labels && labels.length > MAX_TIME_BUCKETS)
    return { kind: 'too-many-buckets', dimensionIndex: timeIndex };

  const site = dedupe(events).filter((e) => e.site_id === query.siteId);
  const { visits, visitOf } = buildVisits(site);
  const counts = (e: TrackedEvent, filter = query.filter): boolean =>
    e.timestamp >= query.from &&
    e.timestamp < query.to &&
    (query.includeBots || !e.is_bot) &&
    holds(filter, e, visitOf.get(e)!, goals);
  const counted = site.filter((e) => counts(e));
  const countedIds = new Set(counted);
  const countedVisits = visits.filter(
    (v) =>
      v.start >= query.from &&
      v.start < query.to &&
      (query.includeBots || !v.isBot) &&
      v.events.some((e) => countedIds.has(e)),
  );
  const countedVisitSet = new Set(countedVisits);

  /** Every key of the dimensions an event falls in (several when it completes several goals). */
  const eventKeys = (e: TrackedEvent): string[][] => {
    let keys: string[][] = [[]];
    for (const d of query.dimensions) {
      const values =
        d === 'event:goal'
          ? goalsOf(e, goals)
          : TIME_DIMENSIONS.has(d)
            ? [bucketLabel(e.timestamp, granularity!, query.timezone)]
            : [attributeValue(d, e, visitOf.get(e)!)];
      keys = keys.flatMap((k) => values.map((v) => [...k, v]));
    }
    return keys;
  };
  const visitKey = (v: RefVisit): string[] =>
    query.dimensions.map((d) =>
      TIME_DIMENSIONS.has(d)
        ? bucketLabel(v.start, granularity!, query.timezone)
        : visitValue(d, v),
    );

  const groups = new Map<string, Group>();
  const groupOf = (key: string[]): Group => {
    const id = JSON.stringify(key);
    let g = groups.get(id);
    if (!g)
      groups.set(
        id,
        (g = {
          key,
          events: 0,
          pageviews: 0,
          visitors: new Set(),
          visits: [],
          scrollPages: new Map(),
          depths: new Map(),
        }),
      );
    return g;
  };
  for (const e of counted) {
    const visit = visitOf.get(e)!;
    for (const key of eventKeys(e)) {
      const g = groupOf(key);
      g.events++;
      g.visitors.add(e.visitor_id);
      if (e.event_type === 'page_view') {
        g.pageviews++;
        if (countedVisitSet.has(visit) || !SPEC_CHOICES.scrollPagesOfCountedVisitsOnly) {
          const pages = g.scrollPages.get(visit) ?? new Set<string>();
          g.scrollPages.set(visit, pages.add(e.page));
        }
      }
      if (e.scroll_depth !== null) {
        const pages = g.depths.get(visit) ?? new Map<string, number>();
        g.depths.set(visit, pages.set(e.page, Math.max(pages.get(e.page) ?? 0, e.scroll_depth)));
      }
    }
  }
  const wantsVisits = query.metrics.some((m) => VISIT_METRIC_NAMES.has(m));
  // Visit metrics never go with event:* dimensions (the parser refuses it), so a visit has one key.
  if (wantsVisits) for (const v of countedVisits) groupOf(visitKey(v)).visits.push(v);

  const deepest = (visit: RefVisit, page: string, group: Group): number => {
    if (SPEC_CHOICES.scrollDepthWithinGroup) return group.depths.get(visit)?.get(page) ?? 0;
    let depth = 0;
    for (const e of visit.events)
      if (countedIds.has(e) && e.page === page && e.scroll_depth !== null)
        depth = Math.max(depth, e.scroll_depth);
    return depth;
  };
  const distinctVisitors = (list: readonly TrackedEvent[]): number =>
    new Set(list.map((e) => e.visitor_id)).size;
  const totalVisitors = distinctVisitors(counted);
  const baseFilter = dropGoalLeaves(query.filter);
  const goalBaseVisitors = distinctVisitors(site.filter((e) => counts(e, baseFilter)));

  const present = (g: Group): boolean => {
    const m = new Set(query.metrics);
    const eventSide =
      m.has('visitors') ||
      m.has('percentage') ||
      m.has('conversion_rate') ||
      m.has('pageviews') ||
      m.has('events');
    return (
      (eventSide && g.events > 0) ||
      (m.has('scroll_depth') && g.scrollPages.size > 0) ||
      (wantsVisits && g.visits.length > 0)
    );
  };
  let chosen = [...groups.values()].filter(present);
  if (query.dimensions.length === 0) chosen = [chosen[0] ?? groupOf([])];

  const rows: ReferenceRow[] = chosen.map((g) => ({
    dimensions: g.key,
    visitors: g.visitors.size,
    metrics: query.metrics.map((metric) =>
      metricValue(metric, g, { totalVisitors, goalBaseVisitors, deepest }),
    ),
  }));
  const ordered = orderRows(rows, query, timeIndex);
  return {
    kind: 'answer',
    all: ordered,
    results: ordered.slice(query.offset, query.offset + query.limit),
    totalRows: ordered.length,
    timeLabels: query.includeTimeLabels ? labels : null,
    totalVisitors,
    goalBaseVisitors,
  };
}

interface MetricContext {
  totalVisitors: number;
  goalBaseVisitors: number;
  deepest(visit: RefVisit, page: string, group: Group): number;
}

/** The metric of a group, rounded as docs/query.md "Metrics" and the finalizer say. */
function metricValue(metric: StatsMetric, g: Group, c: MetricContext): number | null {
  const visits = g.visits.length;
  const sum = (f: (v: RefVisit) => number): number => g.visits.reduce((s, v) => s + f(v), 0);
  switch (metric) {
    case 'visitors':
      return g.visitors.size;
    case 'pageviews':
      return g.pageviews;
    case 'events':
      return g.events;
    case 'visits':
      return visits;
    case 'views_per_visit':
      return visits === 0 ? 0 : Math.round((sum((v) => v.pageviews) / visits) * 100) / 100;
    case 'bounce_rate':
      return visits === 0 ? 0 : Math.round((100 * sum((v) => (v.bounced ? 1 : 0))) / visits);
    case 'visit_duration':
      return visits === 0 ? 0 : Math.round(sum((v) => v.durationMs) / visits / 1000);
    case 'scroll_depth': {
      let total = 0;
      let pages = 0;
      for (const [visit, set] of g.scrollPages) {
        for (const page of set) {
          total += c.deepest(visit, page, g);
          pages++;
        }
      }
      return pages === 0 ? null : Math.round(total / pages);
    }
    case 'percentage':
      return c.totalVisitors === 0
        ? 0
        : Math.round(((100 * g.visitors.size) / c.totalVisitors) * 10) / 10;
    case 'conversion_rate':
      return c.goalBaseVisitors === 0
        ? 0
        : Math.round(((100 * g.visitors.size) / c.goalBaseVisitors) * 100) / 100;
  }
}

/**
 * `order_by`, else time ascending then the first metric descending; ties by the dimensions
 * ascending (JS string order; time labels order as their buckets do). A null metric sorts as −1
 * (below every value), as the finalizer does.
 */
export function orderRows<R extends StatsRow>(
  rows: readonly R[],
  query: StatsQuery,
  timeIndex: number,
): R[] {
  const terms =
    query.orderBy.length > 0
      ? query.orderBy
      : [
          ...(timeIndex >= 0
            ? [{ name: query.dimensions[timeIndex]!, direction: 'asc' as const }]
            : []),
          { name: query.metrics[0]!, direction: 'desc' as const },
        ];
  const text = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...rows].sort((a, b) => {
    for (const term of terms) {
      const d = (query.dimensions as readonly string[]).indexOf(term.name);
      const m = (query.metrics as readonly string[]).indexOf(term.name);
      const diff =
        d >= 0
          ? text(a.dimensions[d]!, b.dimensions[d]!)
          : (a.metrics[m] ?? -1) - (b.metrics[m] ?? -1);
      if (diff !== 0) return term.direction === 'asc' ? diff : -diff;
    }
    for (let i = 0; i < query.dimensions.length; i++) {
      const diff = text(a.dimensions[i]!, b.dimensions[i]!);
      if (diff !== 0) return diff;
    }
    return 0;
  });
}
