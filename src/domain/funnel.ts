import type { FilterExpr } from './stats/query-model.js';

/**
 * Funnels (docs/funnels.md): how many visitors did steps 1..n, in that order, within one visit.
 * The store finds, per counted visit, how deep it went; the rest (conversion, drop-off) is here,
 * so every store answers alike.
 */
export const FUNNEL_LIMITS = { minSteps: 2, maxSteps: 8 } as const;

export interface FunnelPlan {
  siteId: string;
  /** [from, to) in ms since the epoch. */
  from: number;
  to: number;
  includeBots: boolean;
  /** Picks the visits that take part (as the general query counts visits); no `event:goal` leaves. */
  filter: FilterExpr | null;
  /** 2 to 8 filters on events, in order; no `event:goal` leaves. */
  steps: readonly FilterExpr[];
}

export interface FunnelCounts {
  /** Distinct visitors that reached each step (index 0: step 1), exact. */
  visitors: number[];
  /** Raw rows the store read. */
  rowsRead: number;
}

/** One event of a visit, as far as the funnel cares: when, and which steps it matches (bit i: step i + 1). */
export interface StepEvent {
  ts: number;
  matches: number;
}

/**
 * How many steps a visit completed, its events in time order. Step n + 1 is completed by the
 * first event at or after the moment step n was completed (the same instant counts: the tracker
 * stamps a batch's events with one arrival time), so an event that matches two consecutive steps
 * completes both. Taking the earliest completion of each step is never worse than a later one.
 */
export function funnelDepth(events: Iterable<StepEvent>, stepCount: number): number {
  let depth = 0;
  // The events of one instant may be taken in any order: after each step, look at all of them again.
  let instant: StepEvent[] = [];
  const settle = (): void => {
    while (depth < stepCount && instant.some((e) => (e.matches & (1 << depth)) !== 0)) depth++;
  };
  for (const event of events) {
    if (instant.length > 0 && event.ts !== instant[0]!.ts) {
      settle();
      instant = [];
    }
    instant.push(event);
  }
  settle();
  return depth;
}

export interface FunnelStep {
  visitors: number;
  /** % of step 1's visitors who reached this step, 2 decimals. */
  conversion_rate: number;
  /** Visitors of the step before who did not reach this one (0 for step 1). */
  dropoff: number;
  /** `dropoff` as a % of the step before's visitors, 2 decimals. */
  dropoff_rate: number;
}

const percent = (part: number, whole: number): number =>
  whole === 0 ? 0 : Math.round((10_000 * part) / whole) / 100;

export function funnelSteps(visitors: readonly number[]): FunnelStep[] {
  const first = visitors[0] ?? 0;
  return visitors.map((count, i) => {
    const before = i === 0 ? count : visitors[i - 1]!;
    return {
      visitors: count,
      conversion_rate: percent(count, first),
      dropoff: before - count,
      dropoff_rate: percent(before - count, before),
    };
  });
}

/** Visitors per step from each visitor's deepest visit. */
export function visitorsPerStep(depths: Iterable<number>, stepCount: number): number[] {
  const reached = new Array<number>(stepCount).fill(0);
  for (const depth of depths) for (let i = 0; i < depth; i++) reached[i]!++;
  return reached;
}
