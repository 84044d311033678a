import { RE2JS } from 're2js';
import { invalid, isRecord } from '../query-input.js';
import { isSiteId, SITE_ID_RULE } from '../site-id.js';
import { PROPERTY_KEY_PATTERN } from '../track-input.js';
import { DATE_RANGE_SHORTCUTS, type DateRangeInput } from './date-range.js';
import { hasGoalFilter } from './goals.js';
import { isValidTimezone } from './local-time.js';
import {
  EVENT_DIMENSIONS,
  FILTER_OPERATORS,
  PROPS_PREFIX,
  STATS_METRICS,
  TIME_DIMENSIONS,
  VISIT_DIMENSIONS,
  VISIT_METRICS,
  isEventDimension,
  isTimeDimension,
  type AttributeDimension,
  type FilterExpr,
  type FilterOperator,
  type OrderTerm,
  type StatsDimension,
  type StatsMetric,
} from './query-model.js';

/** A request checked for shape and meaning; its range is resolved later (`all` needs the store). */
export interface ParsedRequest {
  siteId: string;
  metrics: StatsMetric[];
  dateRange: DateRangeInput;
  timezone: string | null;
  dimensions: StatsDimension[];
  filter: FilterExpr | null;
  orderBy: OrderTerm[];
  includeBots: boolean;
  includeTotalRows: boolean;
  includeTimeLabels: boolean;
  limit: number;
  offset: number;
}

export const QUERY_LIMITS = {
  metrics: 10,
  dimensions: 3,
  filterLeaves: 50,
  filterDepth: 5,
  filterValues: 100,
  valueLength: 2048,
  regexLength: 256,
  pageLimit: 10_000,
  maxOffset: 1_000_000,
  timeBuckets: 10_000,
  groups: 200_000,
} as const;

const PROPERTY_KEY = new RegExp(PROPERTY_KEY_PATTERN);
const TOP_LEVEL = new Set([
  'site_id',
  'metrics',
  'date_range',
  'timezone',
  'dimensions',
  'filters',
  'order_by',
  'include',
  'pagination',
]);
const INCLUDE = new Set(['total_rows', 'time_labels', 'bots']);
const PAGINATION = new Set(['limit', 'offset']);

const describe = (value: unknown): string => JSON.stringify(value)?.slice(0, 60) ?? String(value);

/** Checks a general query's JSON (docs/query.md) and names the first wrong field. */
export function parseStatsRequest(body: unknown): ParsedRequest {
  if (!isRecord(body)) invalid('query', 'must be a JSON object');
  for (const key of Object.keys(body))
    if (!TOP_LEVEL.has(key)) invalid(key, 'is not a known field');
  const siteId = body.site_id;
  if (!isSiteId(siteId)) invalid('site_id', `is required: ${SITE_ID_RULE}`);
  const metrics = parseMetrics(body.metrics);
  const dateRange = parseDateRange(body.date_range);
  const timezone = parseTimezone(body.timezone);
  const dimensions = parseDimensions(body.dimensions);
  const filter = parseFilters(body.filters);
  checkCombinations(metrics, dimensions, filter);
  const orderBy = parseOrderBy(body.order_by, metrics, dimensions);
  const include = parseInclude(body.include);
  const { limit, offset } = parsePagination(body.pagination);
  return {
    siteId,
    metrics,
    dateRange,
    timezone,
    dimensions,
    filter,
    orderBy,
    ...include,
    limit,
    offset,
  };
}

function parseMetrics(value: unknown): StatsMetric[] {
  if (!Array.isArray(value) || value.length === 0)
    invalid(
      'metrics',
      `is required: a list of 1 to ${QUERY_LIMITS.metrics} of ${STATS_METRICS.join(', ')}`,
    );
  if (value.length > QUERY_LIMITS.metrics)
    invalid('metrics', `may list at most ${QUERY_LIMITS.metrics} metrics`);
  const seen = new Set<string>();
  return value.map((metric, i) => {
    if (typeof metric !== 'string' || !(STATS_METRICS as readonly string[]).includes(metric)) {
      invalid(
        `metrics[${i}]`,
        `${describe(metric)} is not a metric; use ${STATS_METRICS.join(', ')}`,
      );
    }
    if (seen.has(metric)) invalid(`metrics[${i}]`, `${metric} is listed twice`);
    seen.add(metric);
    return metric as StatsMetric;
  });
}

function parseDateRange(value: unknown): DateRangeInput {
  if (typeof value === 'string' && (DATE_RANGE_SHORTCUTS as readonly string[]).includes(value))
    return value as DateRangeInput;
  if (
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((v) => typeof v === 'string' && v.length <= 40)
  )
    return [value[0] as string, value[1] as string];
  return invalid(
    'date_range',
    `is required: one of ${DATE_RANGE_SHORTCUTS.join(', ')}, or [from, to] as dates (2026-11-01) or date-times with a zone`,
  );
}

function parseTimezone(value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || !isValidTimezone(value))
    invalid(
      'timezone',
      `${describe(value)} is not an IANA time zone (Europe/Berlin, America/New_York, UTC)`,
    );
  return value;
}

function isKnownAttribute(name: string): name is AttributeDimension {
  if (name.startsWith(PROPS_PREFIX)) return PROPERTY_KEY.test(name.slice(PROPS_PREFIX.length));
  return (
    (EVENT_DIMENSIONS as readonly string[]).includes(name) ||
    (VISIT_DIMENSIONS as readonly string[]).includes(name)
  );
}

const DIMENSION_HELP = `an event:* (page, name, hostname, goal, props:<key>), visit:* (${VISIT_DIMENSIONS.map((d) => d.slice(6)).join(', ')}) or time dimension (${TIME_DIMENSIONS.join(', ')})`;

function parseDimensions(value: unknown): StatsDimension[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) invalid('dimensions', 'must be a list');
  if (value.length > QUERY_LIMITS.dimensions)
    invalid('dimensions', `may list at most ${QUERY_LIMITS.dimensions} dimensions`);
  const seen = new Set<string>();
  let times = 0;
  return value.map((dimension, i) => {
    if (
      typeof dimension !== 'string' ||
      !(isKnownAttribute(dimension) || isTimeDimension(dimension))
    ) {
      invalid(
        `dimensions[${i}]`,
        `${describe(dimension)} is not a dimension; use ${DIMENSION_HELP}`,
      );
    }
    if (seen.has(dimension)) invalid(`dimensions[${i}]`, `${dimension} is listed twice`);
    if (isTimeDimension(dimension) && ++times > 1)
      invalid(`dimensions[${i}]`, 'at most one time dimension');
    seen.add(dimension);
    return dimension;
  });
}

function parseFilters(value: unknown): FilterExpr | null {
  if (value === undefined) return null;
  if (!Array.isArray(value)) invalid('filters', 'must be a list of filters');
  if (value.length === 0) return null;
  const counter = { leaves: 0 };
  const children = value.map((f, i) => parseFilter(f, `filters[${i}]`, 1, counter));
  return children.length === 1 ? children[0]! : { kind: 'and', children };
}

function parseFilter(
  value: unknown,
  field: string,
  depth: number,
  counter: { leaves: number },
): FilterExpr {
  if (depth > QUERY_LIMITS.filterDepth)
    invalid(field, `filters may nest at most ${QUERY_LIMITS.filterDepth} deep`);
  if (!Array.isArray(value) || value.length === 0)
    invalid(
      field,
      'must be [operator, dimension, [values]], ["and"|"or", [filters]] or ["not", filter]',
    );
  const [op, second, third] = value as unknown[];
  if (op === 'and' || op === 'or') {
    if (value.length !== 2 || !Array.isArray(second) || second.length === 0)
      invalid(field, `must be ["${op}", [filter, …]] with at least one filter`);
    return {
      kind: op,
      children: second.map((f, i) => parseFilter(f, `${field}[1][${i}]`, depth + 1, counter)),
    };
  }
  if (op === 'not') {
    if (value.length !== 2) invalid(field, 'must be ["not", filter]');
    return { kind: 'not', child: parseFilter(second, `${field}[1]`, depth + 1, counter) };
  }
  if (typeof op !== 'string' || !(FILTER_OPERATORS as readonly string[]).includes(op)) {
    invalid(
      `${field}[0]`,
      `${describe(op)} is not an operator; use ${FILTER_OPERATORS.join(', ')}, and, or, not`,
    );
  }
  if (value.length > 3) invalid(`${field}[3]`, 'filter modifiers are not supported');
  if (++counter.leaves > QUERY_LIMITS.filterLeaves)
    invalid(field, `a query may hold at most ${QUERY_LIMITS.filterLeaves} filters`);
  if (typeof second === 'string' && isTimeDimension(second))
    invalid(`${field}[1]`, 'time cannot be filtered; use date_range');
  if (typeof second !== 'string' || !isKnownAttribute(second))
    invalid(`${field}[1]`, `${describe(second)} is not a dimension; use ${DIMENSION_HELP}`);
  if (second === 'event:goal' && op !== 'is' && op !== 'is_not')
    invalid(`${field}[0]`, 'event:goal takes is and is_not only');
  if (!Array.isArray(third) || third.length === 0 || third.length > QUERY_LIMITS.filterValues) {
    invalid(`${field}[2]`, `must be a list of 1 to ${QUERY_LIMITS.filterValues} values`);
  }
  const values = third.map((v, i) => checkValue(v, op as FilterOperator, `${field}[2][${i}]`));
  return { kind: 'leaf', op: op as FilterOperator, dimension: second, values };
}

function checkValue(value: unknown, op: FilterOperator, field: string): string {
  if (typeof value !== 'string') invalid(field, 'must be a string');
  if (value.length > QUERY_LIMITS.valueLength)
    invalid(field, `must be at most ${QUERY_LIMITS.valueLength} characters`);
  if (op === 'matches' || op === 'matches_not') {
    if (value.length > QUERY_LIMITS.regexLength)
      invalid(field, `a regular expression may be at most ${QUERY_LIMITS.regexLength} characters`);
    try {
      RE2JS.compile(value);
    } catch (error) {
      invalid(
        field,
        `is not a valid regular expression (RE2 syntax): ${(error as Error).message.slice(0, 120)}`,
      );
    }
  }
  return value;
}

function checkCombinations(
  metrics: readonly StatsMetric[],
  dimensions: readonly StatsDimension[],
  filter: FilterExpr | null,
): void {
  const eventDimension = dimensions.find((d) => isEventDimension(d));
  metrics.forEach((metric, i) => {
    if (VISIT_METRICS.has(metric) && eventDimension !== undefined) {
      invalid(
        `metrics[${i}]`,
        `${metric} is a visit metric and cannot go with the event dimension ${eventDimension}: a visit holds many events`,
      );
    }
    if (metric === 'percentage' && !dimensions.some((d) => !isTimeDimension(d))) {
      invalid(
        `metrics[${i}]`,
        'percentage needs a dimension other than time: it is the share of each group',
      );
    }
    if (
      metric === 'conversion_rate' &&
      !dimensions.includes('event:goal') &&
      !hasGoalFilter(filter)
    ) {
      invalid(`metrics[${i}]`, 'conversion_rate needs event:goal as a dimension or in a filter');
    }
  });
}

function parseOrderBy(
  value: unknown,
  metrics: readonly StatsMetric[],
  dimensions: readonly StatsDimension[],
): OrderTerm[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > metrics.length + dimensions.length)
    invalid('order_by', 'must be a list of [metric or dimension, "asc" | "desc"]');
  return value.map((term, i) => {
    if (!Array.isArray(term) || term.length !== 2)
      invalid(`order_by[${i}]`, 'must be [metric or dimension, "asc" | "desc"]');
    const [name, direction] = term as unknown[];
    if (typeof name !== 'string' || !([...metrics, ...dimensions] as string[]).includes(name)) {
      invalid(
        `order_by[${i}][0]`,
        `${describe(name)} is not one of the query's metrics or dimensions`,
      );
    }
    if (direction !== 'asc' && direction !== 'desc')
      invalid(`order_by[${i}][1]`, 'must be "asc" or "desc"');
    return { name, direction };
  });
}

function parseInclude(value: unknown): {
  includeBots: boolean;
  includeTotalRows: boolean;
  includeTimeLabels: boolean;
} {
  if (value === undefined)
    return { includeBots: false, includeTotalRows: false, includeTimeLabels: false };
  if (!isRecord(value)) invalid('include', 'must be an object');
  for (const [key, v] of Object.entries(value)) {
    if (!INCLUDE.has(key))
      invalid(`include.${key}`, `is not a known field; use ${[...INCLUDE].join(', ')}`);
    if (typeof v !== 'boolean') invalid(`include.${key}`, 'must be true or false');
  }
  return {
    includeBots: value.bots === true,
    includeTotalRows: value.total_rows === true,
    includeTimeLabels: value.time_labels === true,
  };
}

function parsePagination(value: unknown): { limit: number; offset: number } {
  if (value === undefined) return { limit: QUERY_LIMITS.pageLimit, offset: 0 };
  if (!isRecord(value)) invalid('pagination', 'must be an object');
  for (const key of Object.keys(value))
    if (!PAGINATION.has(key))
      invalid(`pagination.${key}`, 'is not a known field; use limit, offset');
  const limit = value.limit ?? QUERY_LIMITS.pageLimit;
  const offset = value.offset ?? 0;
  if (
    typeof limit !== 'number' ||
    !Number.isInteger(limit) ||
    limit < 1 ||
    limit > QUERY_LIMITS.pageLimit
  )
    invalid('pagination.limit', `must be an integer from 1 to ${QUERY_LIMITS.pageLimit}`);
  if (
    typeof offset !== 'number' ||
    !Number.isInteger(offset) ||
    offset < 0 ||
    offset > QUERY_LIMITS.maxOffset
  )
    invalid('pagination.offset', `must be an integer from 0 to ${QUERY_LIMITS.maxOffset}`);
  return { limit, offset };
}
