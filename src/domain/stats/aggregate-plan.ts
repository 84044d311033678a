import { HLL_REGISTERS } from '../hyperloglog.js';
import type { OffsetSegment } from './local-time.js';
import type { AttributeDimension, FilterExpr, TimeGranularity } from './query-model.js';

/**
 * What the engine asks a store for: sums per group over the counted events and visits of a range
 * (docs/query.md, "Which events and visits a query counts"). The store does the counting; the
 * engine turns the sums into metrics, orders and pages them, so both stores share that part.
 */
export type GroupKey =
  | { kind: 'attribute'; dimension: Exclude<AttributeDimension, 'event:goal'> }
  /** Each event counts once for every goal it completes; events completing none are left out. */
  | { kind: 'goal'; goals: ReadonlyArray<{ name: string; filter: FilterExpr }> }
  /** Keyed by the bucket's local start (local-epoch ms, as a decimal string). */
  | { kind: 'time'; granularity: TimeGranularity; segments: readonly OffsetSegment[] };

export interface AggregateNeeds {
  /** events and pageviews */
  counts: boolean;
  visitors: boolean;
  scroll: boolean;
  /** visits, bounces, durations, page views of visits */
  visits: boolean;
}

export interface AggregatePlan {
  siteId: string;
  from: number;
  to: number;
  includeBots: boolean;
  groupBy: readonly GroupKey[];
  /** No `event:goal` leaves: the engine has replaced them by the goals' own filters. */
  filter: FilterExpr | null;
  needs: AggregateNeeds;
  /**
   * The answer is ordered by visitors, most first, and keeps the first `limit` groups: a store may
   * leave out the visitors (visitorRanks null) of groups that cannot be among them. Absent: every
   * group needs its visitors.
   */
  top?: { limit: number } | undefined;
}

export interface GroupAggregate {
  /** One value per GroupKey, in order. */
  key: string[];
  events: number;
  pageviews: number;
  /** Registers of the group's visitor sketch counted by rank (index 0: empty registers); null when not asked. */
  visitorRanks: number[] | null;
  visits: number;
  bounces: number;
  visitDurationMs: number;
  visitPageviews: number;
  scrollDepthSum: number;
  scrollPages: number;
}

export interface AggregateResult {
  groups: GroupAggregate[];
  /** Raw and rollup rows the store read. */
  rowsRead: number;
  /** 1 when every counted row was read; otherwise the share of visitors read. */
  sampleFraction: number;
  /** With a sample: the relative error 95 % of answers stay within (for counts of 100 sampled events or more). */
  relativeError95?: number;
  /**
   * Registers the visitor rank histograms cover: 16,384 (all) unless the store sampled by register
   * (then visitors are estimated from the first `registers` alone and scaled by the fraction).
   */
  registers?: number;
}

export function emptyGroup(key: string[]): GroupAggregate {
  return {
    key,
    events: 0,
    pageviews: 0,
    visitorRanks: null,
    visits: 0,
    bounces: 0,
    visitDurationMs: 0,
    visitPageviews: 0,
    scrollDepthSum: 0,
    scrollPages: 0,
  };
}

/** A rank histogram of an empty sketch. */
export function emptyRanks(registers = HLL_REGISTERS): number[] {
  const ranks = new Array<number>(64).fill(0);
  ranks[0] = registers;
  return ranks;
}

/**
 * Adds the parts a store computed separately (event sums, visit sums, visitor ranks) into one
 * group per key. Parts of the same key must not overlap in what they set.
 */
export function mergeGroupParts(
  parts: Iterable<Partial<GroupAggregate> & { key: string[] }>,
): GroupAggregate[] {
  const groups = new Map<string, GroupAggregate>();
  for (const part of parts) {
    const id = part.key.join('\u0000');
    let group = groups.get(id);
    if (!group) groups.set(id, (group = emptyGroup(part.key)));
    group.events += part.events ?? 0;
    group.pageviews += part.pageviews ?? 0;
    group.visits += part.visits ?? 0;
    group.bounces += part.bounces ?? 0;
    group.visitDurationMs += part.visitDurationMs ?? 0;
    group.visitPageviews += part.visitPageviews ?? 0;
    group.scrollDepthSum += part.scrollDepthSum ?? 0;
    group.scrollPages += part.scrollPages ?? 0;
    if (part.visitorRanks) group.visitorRanks = part.visitorRanks;
  }
  return [...groups.values()];
}
