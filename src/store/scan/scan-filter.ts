import { RE2JS } from 're2js';
import { toLocal, bucketOfLocal } from '../../domain/stats/local-time.js';
import type { GroupKey } from '../../domain/stats/aggregate-plan.js';
import {
  NONE,
  PROPS_PREFIX,
  type AttributeDimension,
  type FilterExpr,
} from '../../domain/stats/query-model.js';
import type { VisitAttributeName } from '../../domain/visit-attributes.js';
import type { Visit } from '../../domain/visits.js';
import { propertyOf, type ScannedEvent } from './scanned-events.js';

/**
 * The general query's dimensions and filters over scanned events and visits, in TypeScript: the
 * labels docs/query.md defines, compared as plain strings, exactly as the embedded store's SQL
 * (duckdb-filter.ts) does. Regular expressions run on RE2 (linear time, as the parser checked).
 */
type Dimension = Exclude<AttributeDimension, 'event:goal'>;

/** A visit's own value of a visit:* dimension. */
export function visitValue(dimension: Dimension, visit: Visit): string {
  switch (dimension) {
    case 'visit:entry_page':
      return visit.entry?.page ?? NONE;
    case 'visit:exit_page':
      return visit.exit?.page ?? NONE;
  }
  if (!dimension.startsWith('visit:')) throw new Error(`${dimension} is not a value of a visit`);
  return visit.attributes[dimension.slice('visit:'.length) as VisitAttributeName];
}

/** An event's value of a dimension; visit:* dimensions are its visit's. */
export function eventValue(dimension: Dimension, row: ScannedEvent): string {
  if (dimension.startsWith(PROPS_PREFIX))
    return propertyOf(row, dimension.slice(PROPS_PREFIX.length)) ?? NONE;
  switch (dimension) {
    case 'event:page':
      return row.event.page;
    case 'event:name':
      return row.event.event_type;
    case 'event:hostname':
      return row.event.hostname ?? NONE;
  }
  return visitValue(dimension, row.visit);
}

const regexes = new Map<string, RE2JS>();
function finds(pattern: string, value: string): boolean {
  let re = regexes.get(pattern);
  if (!re) {
    if (regexes.size > 1_000) regexes.clear();
    regexes.set(pattern, (re = RE2JS.compile(pattern)));
  }
  return re.matcher(value).find();
}

function leafHolds(op: string, value: string, values: readonly string[]): boolean {
  let hit: boolean;
  if (op === 'is' || op === 'is_not') hit = values.includes(value);
  else if (op === 'contains' || op === 'contains_not') hit = values.some((v) => value.includes(v));
  else hit = values.some((v) => finds(v, value));
  return op.endsWith('_not') ? !hit : hit;
}

function holds(filter: FilterExpr, value: (dimension: Dimension) => string): boolean {
  switch (filter.kind) {
    case 'and':
      return filter.children.every((c) => holds(c, value));
    case 'or':
      return filter.children.some((c) => holds(c, value));
    case 'not':
      return !holds(filter.child, value);
    case 'leaf':
      if (filter.dimension === 'event:goal')
        throw new Error('goal filters reach the store lowered to event filters');
      return leafHolds(filter.op, value(filter.dimension), filter.values);
  }
}

export function eventHolds(filter: FilterExpr | null, row: ScannedEvent): boolean {
  return filter === null || holds(filter, (d) => eventValue(d, row));
}

export function visitHolds(filter: FilterExpr | null, visit: Visit): boolean {
  return filter === null || holds(filter, (d) => visitValue(d, visit));
}

/** The group values of one key for an event (a goal key gives one per goal completed, maybe none). */
export function eventKeyValues(key: GroupKey, row: ScannedEvent): string[] {
  switch (key.kind) {
    case 'time':
      return [String(bucketOfLocal(toLocal(row.event.timestamp, key.segments), key.granularity))];
    case 'goal':
      return key.goals.filter((g) => eventHolds(g.filter, row)).map((g) => g.name);
    case 'attribute':
      return [eventValue(key.dimension, row)];
  }
}

/** The group value of one key for a visit (time: the bucket it starts in). */
export function visitKeyValue(key: GroupKey, visit: Visit): string {
  switch (key.kind) {
    case 'time':
      return String(bucketOfLocal(toLocal(visit.first.ts, key.segments), key.granularity));
    case 'goal':
      throw new Error('visits cannot be grouped by goal');
    case 'attribute':
      return visitValue(key.dimension, visit);
  }
}
