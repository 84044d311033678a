/**
 * What a dimension is for an event (or its visit), and when a filter holds: docs/query.md
 * "Dimensions", "Filters" and "Goals", written out directly. Goals are matched here, on the event,
 * not lowered to filters as the engine does (src/domain/stats/goals.ts).
 */
import { RE2JS } from 're2js';
import type { Goal } from '../../../src/domain/stats/goals.js';
import type { FilterExpr } from '../../../src/domain/stats/query-model.js';
import type { TrackedEvent } from '../../../src/domain/tracked-event.js';
import type { VisitAttributes } from '../../../src/domain/visit-attributes.js';
import { NONE_LABEL, type RefVisit } from './visits.js';

/** `*` is any run of characters but `/`, `**` any run at all; the rest is literal; the whole path must match. */
export function globMatches(pattern: string, path: string): boolean {
  const memo = new Map<string, boolean>();
  const at = (p: number, s: number): boolean => {
    const key = `${p},${s}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (p === pattern.length) result = s === path.length;
    else if (pattern.startsWith('**', p)) {
      result = false;
      for (let k = s; k <= path.length && !result; k++) result = at(p + 2, k);
    } else if (pattern[p] === '*') {
      result = false;
      for (let k = s; k <= path.length && !result; k++) {
        result = at(p + 1, k);
        if (path[k] === '/') break;
      }
    } else result = s < path.length && pattern[p] === path[s] && at(p + 1, s + 1);
    memo.set(key, result);
    return result;
  };
  return at(0, 0);
}

/** A property as queries see it: the value as a string (`true`, `12.5`); missing or null is `(none)`. */
export function propertyLabel(event: TrackedEvent, key: string): string {
  const props = event.properties;
  if (props === null || !Object.hasOwn(props, key)) return NONE_LABEL;
  const value = props[key];
  if (value === null || value === undefined) return NONE_LABEL;
  // Ingest takes strings, numbers and booleans only.
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  return JSON.stringify(value);
}

export function completes(event: TrackedEvent, goal: Goal): boolean {
  if (goal.pagePath !== null)
    return event.event_type === 'page_view' && globMatches(goal.pagePath, event.page);
  if (event.event_type !== goal.eventName) return false;
  return goal.property === null || propertyLabel(event, goal.property.key) === goal.property.value;
}

/** The names of the goals an event completes, in the site's goal order. */
export function goalsOf(event: TrackedEvent, goals: readonly Goal[]): string[] {
  return goals.filter((g) => completes(event, g)).map((g) => g.name);
}

/** The value of an attribute dimension (not time, not goal) for an event in its visit. */
export function attributeValue(dimension: string, event: TrackedEvent, visit: RefVisit): string {
  if (dimension.startsWith('event:props:'))
    return propertyLabel(event, dimension.slice('event:props:'.length));
  switch (dimension) {
    case 'event:page':
      return event.page;
    case 'event:name':
      return event.event_type;
    case 'event:hostname':
      return event.hostname ?? NONE_LABEL;
    case 'visit:entry_page':
      return visit.entryPage;
    case 'visit:exit_page':
      return visit.exitPage;
  }
  if (!dimension.startsWith('visit:'))
    throw new Error(`the reference knows no dimension ${dimension}`);
  return visit.attributes[dimension.slice('visit:'.length) as keyof VisitAttributes];
}

/** Attribute values of a visit alone (visit metrics group visits by these). */
export function visitValue(dimension: string, visit: RefVisit): string {
  if (!dimension.startsWith('visit:')) throw new Error(`${dimension} is not a visit dimension`);
  return attributeValue(dimension, visit.events[0]!, visit);
}

const regexes = new Map<string, RE2JS>();
function find(pattern: string, value: string): boolean {
  let re = regexes.get(pattern);
  if (!re) regexes.set(pattern, (re = RE2JS.compile(pattern)));
  return re.matcher(value).find();
}

function leafHolds(op: string, actual: readonly string[], values: readonly string[]): boolean {
  const positive = op.replace(/_not$/, '');
  const one = (v: string): boolean => {
    if (positive === 'is') return values.includes(v);
    if (positive === 'contains') return values.some((x) => v.includes(x));
    return values.some((re) => find(re, v));
  };
  const any = actual.some(one);
  return op.endsWith('_not') ? !any : any;
}

/**
 * Whether a filter holds for an event: event:* leaves look at the event, visit:* leaves at its
 * visit. `event:goal` is the set of goals the event completes: `is` holds when one of them is
 * named, `is_not` when none is.
 */
export function holds(
  filter: FilterExpr | null,
  event: TrackedEvent,
  visit: RefVisit,
  goals: readonly Goal[],
): boolean {
  if (filter === null) return true;
  switch (filter.kind) {
    case 'and':
      return filter.children.every((c) => holds(c, event, visit, goals));
    case 'or':
      return filter.children.some((c) => holds(c, event, visit, goals));
    case 'not':
      return !holds(filter.child, event, visit, goals);
    case 'leaf': {
      const actual =
        filter.dimension === 'event:goal'
          ? goalsOf(event, goals)
          : [attributeValue(filter.dimension, event, visit)];
      return leafHolds(filter.op, actual, filter.values);
    }
  }
}

/** The filter without its event:goal leaves (conversion_rate's base); null when nothing is left. */
export function dropGoalLeaves(filter: FilterExpr | null): FilterExpr | null {
  if (filter === null) return null;
  if (filter.kind === 'leaf') return filter.dimension === 'event:goal' ? null : filter;
  if (filter.kind === 'not') {
    const child = dropGoalLeaves(filter.child);
    return child === null ? null : { kind: 'not', child };
  }
  const children = filter.children.map(dropGoalLeaves).filter((c): c is FilterExpr => c !== null);
  return children.length === 0 ? null : { kind: filter.kind, children };
}
