/**
 * Compares a store's answer (through the engine) with the reference's. Everything must be equal
 * except what derives from distinct visitors, which the stores estimate with HyperLogLog.
 *
 * The visitors bound. The sketch has m = 16,384 registers (precision 14). While at most a third of
 * them are set (n below about 6,600 visitors), the estimate is linear counting,
 * round(m · ln(m / empty registers)), whose standard error for n visitors is
 * σ(n) = sqrt(m · (e^t − t − 1)) with t = n / m (Whang, Vander-Zanden & Taylor 1990). Below about a
 * hundred visitors σ is under one visitor: the estimate is n unless two visitors share a
 * register, and each such collision takes one off. We allow max(1, ⌈3σ(n)⌉): 1 up to 60 visitors
 * (every group of the small event sets), 5 at 300 (the sampling case); above the linear range,
 * 3 × 1.04 / √m · n (the HyperLogLog bound). An empty sketch estimates 0 exactly, so 0 visitors
 * allow no error. Percentages and conversion rates are checked against the interval those bounds
 * give to their numerator and denominator.
 */
import type {
  StatsAnswer,
  StatsMetric,
  StatsQuery,
  StatsRow,
} from '../../src/domain/stats/query-model.js';
import { orderRows, type ReferenceAnswer, type ReferenceRow } from './reference/reference.js';

const REGISTERS = 16_384;
const VISITOR_METRICS = new Set<StatsMetric>(['visitors', 'percentage', 'conversion_rate']);
const COUNT_METRICS = new Set<StatsMetric>(['visitors', 'visits', 'pageviews', 'events']);

export function visitorsBound(n: number): number {
  if (n === 0) return 0;
  if (n <= REGISTERS / 3) {
    const t = n / REGISTERS;
    return Math.max(1, Math.ceil(3 * Math.sqrt(REGISTERS * (Math.exp(t) - t - 1))));
  }
  return Math.ceil((3 * 1.04 * n) / Math.sqrt(REGISTERS));
}

/** The range a rounded share can take when numerator and denominator are each within their bound. */
function shareRange(part: number, whole: number, digits: number): [number, number] {
  const f = 10 ** digits;
  const share = (p: number, w: number): number =>
    w <= 0 ? 0 : Math.round(((100 * p) / w) * f) / f;
  const low = share(Math.max(0, part - visitorsBound(part)), whole + visitorsBound(whole));
  const high =
    whole - visitorsBound(whole) <= 0
      ? Infinity
      : share(part + visitorsBound(part), whole - visitorsBound(whole));
  return [Math.min(low, share(part, whole)), Math.max(high, share(part, whole))];
}

type Answered = Extract<ReferenceAnswer, { kind: 'answer' }>;

function metricProblem(
  metric: StatsMetric,
  expected: number | null,
  actual: number | null,
  ref: ReferenceRow,
  answer: Answered,
): string | null {
  if (!VISITOR_METRICS.has(metric))
    return Object.is(actual, expected) ? null : `${metric} is ${actual}, expected ${expected}`;
  if (actual === null) return `${metric} is null`;
  let low: number;
  let high: number;
  if (metric === 'visitors')
    [low, high] = [
      ref.visitors - visitorsBound(ref.visitors),
      ref.visitors + visitorsBound(ref.visitors),
    ];
  else if (metric === 'percentage') [low, high] = shareRange(ref.visitors, answer.totalVisitors, 1);
  else [low, high] = shareRange(ref.visitors, answer.goalBaseVisitors, 2);
  return actual >= low && actual <= high
    ? null
    : `${metric} is ${actual}, expected ${expected} (allowed ${low} to ${high})`;
}

const keyOf = (row: StatsRow): string => JSON.stringify(row.dimensions);
const exactlyEqual = (a: readonly StatsRow[], b: readonly StatsRow[]): boolean =>
  a.length === b.length &&
  a.every(
    (row, i) =>
      keyOf(row) === keyOf(b[i]!) && row.metrics.every((m, j) => Object.is(m, b[i]!.metrics[j])),
  );

/**
 * Problems with an answer, none when it agrees. `full` is the query's answer without pagination,
 * `paged` with the query's own pagination (the same answer when it has none).
 */
export function answerProblems(
  query: StatsQuery,
  expected: Answered,
  full: StatsAnswer,
  paged: StatsAnswer,
): string[] {
  const problems: string[] = [];
  if (!full.meta.exact || !paged.meta.exact) return sampledProblems(query, expected, full);
  if (full.meta.sample_fraction !== 1)
    problems.push(`meta: exact, but sample_fraction is ${full.meta.sample_fraction}`);
  if (query.includeTotalRows && paged.meta.total_rows !== expected.totalRows)
    problems.push(`meta.total_rows is ${paged.meta.total_rows}, expected ${expected.totalRows}`);
  const labels = paged.meta.time_labels ?? null;
  if (JSON.stringify(labels) !== JSON.stringify(expected.timeLabels)) {
    const at =
      labels && expected.timeLabels
        ? labels.findIndex((l, i) => l !== expected.timeLabels![i])
        : -1;
    problems.push(
      `meta.time_labels has ${labels?.length ?? 'none'} labels, expected ${expected.timeLabels?.length ?? 'none'}` +
        (at >= 0
          ? `; the first difference at ${at}: ${labels![at]} instead of ${expected.timeLabels![at]}`
          : ''),
    );
  }

  // Every group, by its dimensions, with every metric.
  const actualByKey = new Map(full.results.map((row) => [keyOf(row), row]));
  for (const ref of expected.all) {
    const row = actualByKey.get(keyOf(ref));
    if (!row) {
      problems.push(`missing row ${keyOf(ref)} ${JSON.stringify(ref.metrics)}`);
      continue;
    }
    query.metrics.forEach((metric, i) => {
      const problem = metricProblem(
        metric,
        ref.metrics[i] ?? null,
        row.metrics[i] ?? null,
        ref,
        expected,
      );
      if (problem) problems.push(`row ${keyOf(ref)}: ${problem}`);
    });
  }
  const expectedKeys = new Set(expected.all.map(keyOf));
  for (const row of full.results)
    if (!expectedKeys.has(keyOf(row)))
      problems.push(`unexpected row ${keyOf(row)} ${JSON.stringify(row.metrics)}`);
  if (full.results.length !== actualByKey.size)
    problems.push('the same dimensions appear in more than one row');
  if (problems.length > 0) return problems;

  // Order and pages. When every value is exact the answer must be the reference's, row for row.
  if (exactlyEqual(full.results, expected.all)) {
    if (!exactlyEqual(paged.results, expected.results))
      problems.push("the page differs from the reference's page");
    return problems;
  }
  // Estimates differ somewhere: an order by visitors may then differ and still be right. Check
  // that the store's rows are in the order its own values give, and that the page is its slice.
  const timeIndex = query.dimensions.findIndex((d) => d === 'time' || d.startsWith('time:'));
  const resorted = orderRows(full.results, query, timeIndex);
  if (!resorted.every((row, i) => keyOf(row) === keyOf(full.results[i]!)))
    problems.push('rows are not in the order their values give');
  const terms = query.orderBy.length > 0 ? query.orderBy.map((t) => t.name) : [query.metrics[0]!];
  if (!terms.some((name) => VISITOR_METRICS.has(name as StatsMetric))) {
    if (!expected.all.every((row, i) => keyOf(row) === keyOf(full.results[i]!)))
      problems.push("rows are not in the reference's order");
  }
  if (!exactlyEqual(paged.results, full.results.slice(query.offset, query.offset + query.limit)))
    problems.push('the page is not the slice of the whole answer');
  return problems;
}

/**
 * A sampled answer (meta.exact false): counts are a visitor-consistent sample scaled up, within
 * meta.relative_error_95 for 95 % of counts of at least 100 sampled events. We check every group
 * and count with that many sampled events at twice that error (3.9 standard errors: a correct
 * store fails about one count in ten thousand), leave ratios and small groups alone (their error is
 * not stated), and check the rows' order by the store's own values.
 */
export function sampledProblems(
  query: StatsQuery,
  expected: Answered,
  full: StatsAnswer,
): string[] {
  const problems: string[] = [];
  const { sample_fraction: fraction, relative_error_95: error } = full.meta;
  if (!(fraction > 0 && fraction < 1))
    problems.push(`meta: sampled, but sample_fraction is ${fraction}`);
  if (error === undefined || !(error > 0))
    return [...problems, `meta: sampled, but relative_error_95 is ${error}`];
  const actualByKey = new Map(full.results.map((row) => [keyOf(row), row]));
  for (const ref of expected.all) {
    query.metrics.forEach((metric, i) => {
      const want = ref.metrics[i];
      if (!COUNT_METRICS.has(metric) || typeof want !== 'number' || want * fraction < 100) return;
      const got = actualByKey.get(keyOf(ref))?.metrics[i] ?? 0;
      const allowed =
        Math.ceil(2 * error * want) + (metric === 'visitors' ? visitorsBound(want) : 0);
      if (got === null || Math.abs(got - want) > allowed)
        problems.push(
          `row ${keyOf(ref)}: ${metric} is ${got}, expected ${want} ± ${allowed} (sampled at ${fraction})`,
        );
    });
  }
  const timeIndex = query.dimensions.findIndex((d) => d === 'time' || d.startsWith('time:'));
  if (
    !orderRows(full.results, query, timeIndex).every(
      (row, i) => keyOf(row) === keyOf(full.results[i]!),
    )
  )
    problems.push('rows are not in the order their values give');
  return problems;
}
