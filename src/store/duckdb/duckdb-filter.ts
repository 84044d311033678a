import type { GroupKey } from '../../domain/stats/aggregate-plan.js';
import type { OffsetSegment } from '../../domain/stats/local-time.js';
import {
  NONE,
  PROPS_PREFIX,
  type AttributeDimension,
  type FilterExpr,
  type FilterOperator,
  type TimeGranularity,
} from '../../domain/stats/query-model.js';
import { column, int, type Params } from './duckdb-sql.js';

/**
 * The general query's dimensions and filters as SQL over the `events` (alias e) and `visits`
 * (alias v) tables. Every expression yields the label docs/query.md defines (never NULL), so
 * filters and groups compare plain strings.
 */
export type Source = 'events' | 'visits';

export interface SqlContext {
  params: Params;
  siteId: string;
}

/** A dimension's value; null when the source cannot give it by itself (exit page on events). */
export function dimensionSql(
  dimension: Exclude<AttributeDimension, 'event:goal'>,
  source: Source,
  ctx: SqlContext,
): string | null {
  const alias = source === 'events' ? 'e' : 'v';
  if (dimension.startsWith(PROPS_PREFIX)) {
    return source === 'events'
      ? `coalesce(e.props[${ctx.params.bind(dimension.slice(PROPS_PREFIX.length))}], '${NONE}')`
      : null;
  }
  switch (dimension) {
    case 'event:page':
      return source === 'events' ? 'e.page' : null;
    case 'event:name':
      return source === 'events' ? 'e.event_type' : null;
    case 'event:hostname':
      return source === 'events' ? `coalesce(e.hostname, '${NONE}')` : null;
    case 'visit:exit_page':
      return source === 'visits' ? 'v.visit_exit_page' : null;
    default:
      return `${alias}.${column(`visit_${dimension.slice('visit:'.length)}`)}`;
  }
}

/** Whether a filter can be evaluated on visit rows alone (it names only visit:* dimensions). */
export function isVisitOnly(filter: FilterExpr | null): boolean {
  if (filter === null) return true;
  if (filter.kind === 'leaf') return filter.dimension.startsWith('visit:');
  if (filter.kind === 'not') return isVisitOnly(filter.child);
  return filter.children.every(isVisitOnly);
}

function leafSql(
  op: FilterOperator,
  expr: string,
  values: readonly string[],
  ctx: SqlContext,
): string {
  const positive = op.replace('_not', '') as 'is' | 'contains' | 'matches';
  let test: string;
  if (positive === 'is') test = `${expr} IN (${ctx.params.list(values)})`;
  else if (positive === 'contains')
    test = values.map((v) => `contains(${expr}, ${ctx.params.bind(v)})`).join(' OR ');
  else test = values.map((v) => `regexp_matches(${expr}, ${ctx.params.bind(v)})`).join(' OR ');
  return op.endsWith('_not') ? `NOT (${test})` : `(${test})`;
}

/** A filter tree as a condition on one source's rows. */
export function filterSql(filter: FilterExpr, source: Source, ctx: SqlContext): string {
  switch (filter.kind) {
    case 'and':
      return filter.children.length === 0
        ? 'TRUE'
        : `(${filter.children.map((c) => filterSql(c, source, ctx)).join(' AND ')})`;
    case 'or':
      return filter.children.length === 0
        ? 'FALSE'
        : `(${filter.children.map((c) => filterSql(c, source, ctx)).join(' OR ')})`;
    case 'not':
      return `(NOT ${filterSql(filter.child, source, ctx)})`;
    case 'leaf': {
      if (filter.dimension === 'event:goal')
        throw new Error('goal filters reach the store lowered to event filters');
      const expr = dimensionSql(filter.dimension, source, ctx);
      if (expr !== null) return leafSql(filter.op, expr, filter.values, ctx);
      if (source === 'events') {
        // The exit page changes with every page view, so it lives on the visit only.
        const positive = filter.op.replace('_not', '') as FilterOperator;
        const inVisits = `e.visit_id IN (SELECT v.visit_id FROM all_visits v WHERE v.site_id = ${ctx.params.bind(ctx.siteId)} AND ${leafSql(positive, 'v.visit_exit_page', filter.values, ctx)})`;
        return filter.op.endsWith('_not') ? `(NOT ${inVisits})` : `(${inVisits})`;
      }
      throw new Error(`${filter.dimension} cannot be evaluated on visits`);
    }
  }
}

/** Local-epoch ms of a UTC ms column, by the constant-offset segments of the range. */
export function localTimeSql(col: string, segments: readonly OffsetSegment[]): string {
  if (segments.length === 1) return `(${col} + ${int(segments[0]!.offsetMs)})`;
  const cases = segments
    .slice(0, -1)
    .map((s) => `WHEN ${col} < ${int(s.to)} THEN ${int(s.offsetMs)}`)
    .join(' ');
  return `(${col} + CASE ${cases} ELSE ${int(segments.at(-1)!.offsetMs)} END)`;
}

/** The local start of a bucket (local-epoch ms); weeks begin on Monday (1970-01-01 was a Thursday). */
export function bucketSql(local: string, granularity: TimeGranularity): string {
  switch (granularity) {
    case 'minute':
      return `((${local} // 60000) * 60000)`;
    case 'hour':
      return `((${local} // 3600000) * 3600000)`;
    case 'day':
      return `((${local} // 86400000) * 86400000)`;
    case 'week':
      return `(((${local} // 86400000) - (((${local} // 86400000) + 3) % 7)) * 86400000)`;
    case 'month':
      return `epoch_ms(date_trunc('month', make_timestamp((${local}) * 1000)))`;
  }
}

/** A group key's expression on a source, as text. */
export function groupSql(key: GroupKey, source: Source, ctx: SqlContext): string {
  switch (key.kind) {
    case 'time': {
      const col = source === 'events' ? 'e.ts' : 'v.start_ts';
      return `CAST(${bucketSql(localTimeSql(col, key.segments), key.granularity)} AS VARCHAR)`;
    }
    case 'goal': {
      if (key.goals.length === 0) return 'unnest([]::VARCHAR[])';
      const cases = key.goals.map(
        (g) =>
          `CASE WHEN ${filterSql(g.filter, 'events', ctx)} THEN ${ctx.params.bind(g.name)} END`,
      );
      return `unnest(list_filter([${cases.join(', ')}], lambda x: x IS NOT NULL))`;
    }
    case 'attribute': {
      const expr = dimensionSql(key.dimension, source, ctx);
      if (expr === null) throw new Error(`${key.dimension} cannot be grouped on ${source}`);
      return expr;
    }
  }
}
