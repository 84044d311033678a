import type { AggregateQuery, AggregateRow, Metric } from '../domain/analytics-query.js';
import { emptyValues, type CounterValues } from '../domain/counters.js';
import { granularitiesOf, SKETCH_DIMENSIONS, type Dimension } from '../domain/dimensions.js';
import { ClickstreamError } from '../domain/errors.js';
import type { HyperLogLog } from '../domain/hyperloglog.js';
import {
  GRANULARITY_MS,
  bucketStart,
  bucketStarts,
  ceilToBucket,
  decomposeRange,
  type BucketSpan,
  type Granularity,
} from '../domain/time-buckets.js';
import type { AggregateSource, CounterRead } from './aggregate-source.js';

const SESSION_METRICS: readonly Metric[] = ['sessions', 'bounce_rate', 'avg_duration_ms'];
const COUNTER_METRICS: readonly Metric[] = ['events', 'pageviews'];

/**
 * Answers an AggregateQuery from any store's counters and sketches: checks that the combination
 * is one the pre-aggregated tables can answer exactly, picks the bucket spans, and shapes rows.
 */
export async function runAggregate(
  query: AggregateQuery,
  source: AggregateSource,
): Promise<AggregateRow[]> {
  const dimension = targetDimension(query);
  checkSupported(query, dimension);
  const rows = new Map<string | number, AggregateRow>();
  const groupBy =
    query.groupBy.kind === 'none' ? 'none' : query.groupBy.kind === 'time' ? 'bucket' : 'value';
  const base = { siteId: query.siteId, includeBots: query.includeBots, groupBy } as const;
  const values = query.page === undefined ? undefined : [query.page];

  if (query.metrics.some((m) => COUNTER_METRICS.includes(m))) {
    const sums = await source.sumCounters({
      ...base,
      dimension,
      values,
      spans: spansFor(query, dimension),
    });
    for (const [key, sum] of sums)
      row(rows, key).values = pick(query.metrics, sum, COUNTER_METRICS);
  }
  if (query.metrics.some((m) => SESSION_METRICS.includes(m))) {
    const sums = await source.sumCounters({
      ...base,
      dimension: 'total',
      spans: spansFor(query, 'total', 'hour'),
    });
    for (const [key, sum] of sums)
      Object.assign(row(rows, key).values, sessionMetrics(query.metrics, sum));
  }
  fillEmpty(query, rows);
  let result = [...rows.values()];
  if (query.groupBy.kind === 'time') result.sort((a, b) => Number(a.key) - Number(b.key));
  if (query.groupBy.kind === 'dimension') {
    const first = query.metrics.find((m) => m !== 'visitors') ?? 'pageviews';
    result.sort(
      (a, b) =>
        (b.values[first] ?? 0) - (a.values[first] ?? 0) ||
        String(a.key).localeCompare(String(b.key)),
    );
    result = result.slice(0, query.limit ?? 10);
  }
  if (query.metrics.includes('visitors')) await addVisitors(query, dimension, result, source);
  return result.map((r) => ({ key: r.key, values: ordered(query.metrics, r.values) }));
}

function targetDimension(query: AggregateQuery): Dimension {
  if (query.page !== undefined) return 'page';
  return query.groupBy.kind === 'dimension' ? query.groupBy.dimension : 'total';
}

function invalid(message: string, field: string): never {
  throw new ClickstreamError('INVALID_QUERY', message, { field });
}

function checkSupported(query: AggregateQuery, dimension: Dimension): void {
  const { groupBy, metrics } = query;
  if (query.page !== undefined && groupBy.kind === 'dimension') {
    invalid(`a page filter cannot be combined with a breakdown by ${groupBy.dimension}`, 'page');
  }
  const finest = groupBy.kind === 'time' ? groupBy.granularity : null;
  if (finest && !granularitiesOf(dimension).includes(finest)) {
    invalid(
      `${dimension} is kept by ${granularitiesOf(dimension).join(' and ')}, not by ${finest}`,
      'interval',
    );
  }
  if (
    metrics.includes('visitors') &&
    (!SKETCH_DIMENSIONS.includes(dimension) || finest === 'minute')
  ) {
    invalid('visitors are counted per page or site, hourly or daily', 'metrics');
  }
  if (
    metrics.some((m) => SESSION_METRICS.includes(m)) &&
    (dimension !== 'total' || finest === 'minute')
  ) {
    invalid('session metrics are kept for the whole site, hourly or daily', 'metrics');
  }
}

/** Bucket spans covering the query's range for a dimension (optionally no finer than `floor`). */
function spansFor(query: AggregateQuery, dimension: Dimension, floor?: Granularity): BucketSpan[] {
  if (query.groupBy.kind === 'time') {
    const g = query.groupBy.granularity;
    return [{ granularity: g, from: bucketStart(query.from, g), to: ceilToBucket(query.to, g) }];
  }
  let offered = granularitiesOf(dimension);
  if (floor) offered = offered.filter((g) => GRANULARITY_MS[g] >= GRANULARITY_MS[floor]);
  const finest = offered[0]!;
  return decomposeRange(bucketStart(query.from, finest), ceilToBucket(query.to, finest), offered);
}

function row(rows: Map<string | number, AggregateRow>, key: string | number): AggregateRow {
  let r = rows.get(key);
  if (!r) rows.set(key, (r = { key, values: {} }));
  return r;
}

function pick(
  metrics: readonly Metric[],
  sum: CounterValues,
  allowed: readonly Metric[],
): AggregateRow['values'] {
  const values: AggregateRow['values'] = {};
  for (const m of metrics) if (allowed.includes(m)) values[m] = sum[m as 'events' | 'pageviews'];
  return values;
}

function sessionMetrics(metrics: readonly Metric[], sum: CounterValues): AggregateRow['values'] {
  const values: AggregateRow['values'] = {};
  if (metrics.includes('sessions')) values.sessions = sum.sessions;
  if (metrics.includes('bounce_rate'))
    values.bounce_rate = sum.sessions ? round(sum.bounces / sum.sessions, 4) : 0;
  if (metrics.includes('avg_duration_ms'))
    values.avg_duration_ms = sum.sessions ? Math.round(sum.duration_ms / sum.sessions) : 0;
  return values;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Time series and single totals always have every row, with zeros where nothing happened. */
function fillEmpty(query: AggregateQuery, rows: Map<string | number, AggregateRow>): void {
  const zero = (): AggregateRow['values'] => {
    const values = sessionMetrics(query.metrics, emptyValues());
    return { ...pick(query.metrics, emptyValues(), COUNTER_METRICS), ...values };
  };
  if (query.groupBy.kind === 'none' && !rows.has('')) rows.set('', { key: '', values: {} });
  if (query.groupBy.kind === 'time') {
    for (const start of bucketStarts(query.from, query.to, query.groupBy.granularity))
      row(rows, start);
  }
  for (const r of rows.values()) r.values = { ...zero(), ...r.values };
}

async function addVisitors(
  query: AggregateQuery,
  dimension: Dimension,
  rows: AggregateRow[],
  source: AggregateSource,
): Promise<void> {
  const groupBy =
    query.groupBy.kind === 'none' ? 'none' : query.groupBy.kind === 'time' ? 'bucket' : 'value';
  const values =
    query.page !== undefined
      ? [query.page]
      : groupBy === 'value'
        ? rows.map((r) => String(r.key))
        : undefined;
  const read: CounterRead = {
    siteId: query.siteId,
    dimension,
    values,
    includeBots: query.includeBots,
    groupBy,
    spans: spansFor(query, dimension, 'hour'),
  };
  const sketches =
    groupBy === 'value' && rows.length === 0
      ? new Map<string | number, HyperLogLog>()
      : await source.mergeSketches(read);
  for (const r of rows) r.values.visitors = sketches.get(r.key)?.estimate() ?? 0;
}

function ordered(
  metrics: readonly Metric[],
  values: AggregateRow['values'],
): AggregateRow['values'] {
  const out: AggregateRow['values'] = {};
  for (const m of metrics) out[m] = values[m] ?? 0;
  return out;
}
