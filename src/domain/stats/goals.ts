import type { FilterExpr } from './query-model.js';

/**
 * A conversion goal of one site: a page goal (a page view of a matching path) or an event goal
 * (an event of that name, optionally with one property equal to a value).
 */
export interface Goal {
  id: string;
  siteId: string;
  name: string;
  pagePath: string | null;
  eventName: string | null;
  property: { key: string; value: string } | null;
}

export const PAGE_VIEW_NAME = 'page_view';

/** RE2 of a page goal's path: `**` matches anything, `*` anything but `/`, the rest literally. */
export function pagePathPattern(path: string): string {
  let out = '^';
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === '*' && path[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (c === '*') out += '[^/]*';
    else out += /[\\^$.|?+()[\]{}]/.test(c) ? `\\${c}` : c;
  }
  return `${out}$`;
}

/** The events that complete a goal, as a filter of the general query's language. */
export function goalFilter(goal: Goal): FilterExpr {
  if (goal.pagePath !== null) {
    return {
      kind: 'and',
      children: [
        { kind: 'leaf', op: 'is', dimension: 'event:name', values: [PAGE_VIEW_NAME] },
        {
          kind: 'leaf',
          op: 'matches',
          dimension: 'event:page',
          values: [pagePathPattern(goal.pagePath)],
        },
      ],
    };
  }
  const name: FilterExpr = {
    kind: 'leaf',
    op: 'is',
    dimension: 'event:name',
    values: [goal.eventName ?? ''],
  };
  if (goal.property === null) return name;
  return {
    kind: 'and',
    children: [
      name,
      {
        kind: 'leaf',
        op: 'is',
        dimension: `event:props:${goal.property.key}`,
        values: [goal.property.value],
      },
    ],
  };
}

/**
 * Replaces every `event:goal` leaf by the filters of the goals it names, so a store only ever sees
 * filters on events and visits. A name that is no goal of the site matches nothing.
 */
export function lowerGoalFilters(
  filter: FilterExpr | null,
  goals: readonly Goal[],
): FilterExpr | null {
  if (filter === null) return null;
  switch (filter.kind) {
    case 'and':
    case 'or':
      return {
        kind: filter.kind,
        children: filter.children.map((c) => lowerGoalFilters(c, goals)!),
      };
    case 'not':
      return { kind: 'not', child: lowerGoalFilters(filter.child, goals)! };
    case 'leaf': {
      if (filter.dimension !== 'event:goal') return filter;
      const any: FilterExpr = {
        kind: 'or',
        children: goals.filter((g) => filter.values.includes(g.name)).map(goalFilter),
      };
      return filter.op === 'is_not' ? { kind: 'not', child: any } : any;
    }
  }
}

/** Removes `event:goal` leaves (conversion rate's denominator is the query without them). */
export function withoutGoalFilters(filter: FilterExpr | null): FilterExpr | null {
  if (filter === null) return null;
  switch (filter.kind) {
    case 'leaf':
      return filter.dimension === 'event:goal' ? null : filter;
    case 'not': {
      const child = withoutGoalFilters(filter.child);
      return child === null ? null : { kind: 'not', child };
    }
    case 'and':
    case 'or': {
      const children = filter.children
        .map(withoutGoalFilters)
        .filter((c): c is FilterExpr => c !== null);
      if (children.length === 0) return null;
      return children.length === 1 ? children[0]! : { kind: filter.kind, children };
    }
  }
}

/** Whether the filter has an `event:goal` leaf (conversion_rate needs one or the dimension). */
export function hasGoalFilter(filter: FilterExpr | null): boolean {
  if (filter === null) return false;
  if (filter.kind === 'leaf') return filter.dimension === 'event:goal';
  if (filter.kind === 'not') return hasGoalFilter(filter.child);
  return filter.children.some(hasGoalFilter);
}
