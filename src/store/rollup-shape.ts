import type { AggregatePlan } from '../domain/stats/aggregate-plan.js';

/** What a store's rollups can answer: the site or one page, over the whole range or by UTC day. */
export interface RollupShape {
  /** '' for the whole site. */
  dimension: '' | 'page';
  value: string;
  byDay: boolean;
}

/**
 * The shape of a plan rollups answer (the embedded store's daily rollups, Cassandra's counters):
 * counts and visitors (no scroll depth) of the whole site or of one page (a single `is event:page`
 * filter), with no grouping or by day in a zone at UTC's offset. Anything else: null, and the raw
 * events answer.
 */
export function rollupShape(plan: AggregatePlan): RollupShape | null {
  if (plan.needs.scroll || !(plan.needs.counts || plan.needs.visitors)) return null;
  let dimension: RollupShape['dimension'] = '';
  let value = '';
  if (plan.filter !== null) {
    const f = plan.filter;
    if (f.kind !== 'leaf' || f.op !== 'is' || f.dimension !== 'event:page' || f.values.length !== 1)
      return null;
    // Visits of a page would need every visit's events: the raw path answers those.
    if (plan.needs.visits) return null;
    dimension = 'page';
    value = f.values[0]!;
  }
  if (plan.groupBy.length === 0) return { dimension, value, byDay: false };
  const [key] = plan.groupBy;
  if (
    plan.groupBy.length === 1 &&
    key?.kind === 'time' &&
    key.granularity === 'day' &&
    key.segments.every((s) => s.offsetMs === 0)
  )
    return { dimension, value, byDay: true };
  return null;
}
