import type { FunnelPlan } from '../../domain/funnel.js';
import { HLL_REGISTERS } from '../../domain/hyperloglog.js';
import {
  emptyRanks,
  mergeGroupParts,
  type AggregatePlan,
  type AggregateResult,
  type GroupAggregate,
} from '../../domain/stats/aggregate-plan.js';
import type { FilterExpr } from '../../domain/stats/query-model.js';
import { isBounce } from '../../domain/visits.js';
import type { VisitSteps } from '../../ports/funnel-reader.js';
import { eventHolds, eventKeyValues, visitHolds, visitKeyValue } from './scan-filter.js';
import {
  propertyOf,
  type ScannedEvent,
  type ScannedSite,
  type ScannedVisit,
} from './scanned-events.js';

/**
 * The general query over scanned events and visits (docs/query.md, "Which events and visits a
 * query counts"), for a store that keeps raw events but cannot aggregate them itself. It counts
 * what the embedded store's SQL counts (duckdb-aggregate.ts), one pass over the events and one
 * over the visits; the differential test holds both to the same reference.
 */
type Range = Pick<AggregatePlan, 'from' | 'to' | 'includeBots'>;

const counted = (row: ScannedEvent, range: Range): boolean =>
  row.event.timestamp >= range.from &&
  row.event.timestamp < range.to &&
  (range.includeBots || !row.event.is_bot);

const countedVisit = (row: ScannedVisit, range: Range): boolean =>
  row.visit.first.ts >= range.from &&
  row.visit.first.ts < range.to &&
  (range.includeBots || !row.visit.isBot);

const isVisitOnly = (filter: FilterExpr | null): boolean => {
  if (filter === null) return true;
  if (filter.kind === 'leaf') return filter.dimension.startsWith('visit:');
  if (filter.kind === 'not') return isVisitOnly(filter.child);
  return filter.children.every(isVisitOnly);
};

/** Every combination of the keys' values (a goal key may give several values, or none). */
function keysOf(values: readonly string[][]): string[][] {
  let keys: string[][] = [[]];
  for (const options of values) keys = keys.flatMap((key) => options.map((v) => [...key, v]));
  return keys;
}

interface EventGroup {
  key: string[];
  events: number;
  pageviews: number;
  /** Highest rank per register of the group's visitors. */
  registers: Map<number, number>;
  /** Deepest scroll and whether a page view was counted, per (visit, page). */
  pages: Map<string, { depth: number; viewed: boolean }>;
}

/** The visits whose id a counted event matching the filter carries (a visit counts when one does). */
function visitsMatching(site: ScannedSite, plan: AggregatePlan | FunnelPlan): Set<string> | null {
  if (plan.filter === null || isVisitOnly(plan.filter)) return null;
  const ids = new Set<string>();
  for (const row of site.events)
    if (counted(row, plan) && eventHolds(plan.filter, row)) ids.add(row.visit.visitId);
  return ids;
}

function visitCounts(
  row: ScannedVisit,
  plan: AggregatePlan | FunnelPlan,
  matching: Set<string> | null,
): boolean {
  if (!countedVisit(row, plan)) return false;
  return matching === null ? visitHolds(plan.filter, row.visit) : matching.has(row.visit.visitId);
}

/**
 * `registers`: the scanned visitors are those of the first `registers` HyperLogLog registers (a
 * sample, when fewer than all): visitors are estimated from those registers, counts scaled by the
 * engine, and the result states the fraction and the error of its totals.
 */
export function aggregateScan(
  site: ScannedSite,
  plan: AggregatePlan,
  rowsRead: number,
  registers = HLL_REGISTERS,
): AggregateResult {
  const parts: Array<Partial<GroupAggregate> & { key: string[] }> = [];
  const { needs } = plan;
  if (needs.counts || needs.visitors || needs.scroll) {
    const groups = new Map<string, EventGroup>();
    for (const row of site.events) {
      if (!counted(row, plan) || !eventHolds(plan.filter, row)) continue;
      for (const key of keysOf(plan.groupBy.map((k) => eventKeyValues(k, row)))) {
        const id = key.join('\u0000');
        let group = groups.get(id);
        if (!group)
          groups.set(
            id,
            (group = { key, events: 0, pageviews: 0, registers: new Map(), pages: new Map() }),
          );
        group.events++;
        if (row.isPageview) group.pageviews++;
        if (needs.visitors && (group.registers.get(row.register) ?? 0) < row.rank)
          group.registers.set(row.register, row.rank);
        if (needs.scroll) {
          const pageId = `${row.visit.visitId}\u0000${row.event.page}`;
          const page = group.pages.get(pageId) ?? { depth: 0, viewed: false };
          page.depth = Math.max(page.depth, row.event.scroll_depth ?? 0);
          page.viewed ||= row.isPageview;
          group.pages.set(pageId, page);
        }
      }
    }
    for (const group of groups.values()) {
      const part: Partial<GroupAggregate> & { key: string[] } = { key: group.key };
      if (needs.counts) Object.assign(part, { events: group.events, pageviews: group.pageviews });
      if (needs.visitors) part.visitorRanks = ranksOf(group.registers, registers);
      if (needs.counts || needs.visitors) parts.push(part);
      if (needs.scroll) {
        const viewed = [...group.pages.values()].filter((p) => p.viewed);
        if (viewed.length > 0)
          parts.push({
            key: group.key,
            scrollDepthSum: viewed.reduce((n, p) => n + p.depth, 0),
            scrollPages: viewed.length,
          });
      }
    }
  }
  if (needs.visits) {
    const matching = visitsMatching(site, plan);
    const groups = new Map<string, Partial<GroupAggregate> & { key: string[] }>();
    for (const row of site.visits) {
      if (!visitCounts(row, plan, matching)) continue;
      const key = plan.groupBy.map((k) => visitKeyValue(k, row.visit));
      const id = key.join('\u0000');
      let group = groups.get(id);
      if (!group)
        groups.set(
          id,
          (group = { key, visits: 0, bounces: 0, visitDurationMs: 0, visitPageviews: 0 }),
        );
      group.visits!++;
      if (isBounce(row.visit)) group.bounces!++;
      group.visitDurationMs! += row.visit.last.ts - row.visit.first.ts;
      group.visitPageviews! += row.visit.pageviews;
    }
    parts.push(...groups.values());
  }
  if (registers >= HLL_REGISTERS)
    return { groups: mergeGroupParts(parts), rowsRead, sampleFraction: 1 };
  const sampleFraction = registers / HLL_REGISTERS;
  return {
    groups: mergeGroupParts(parts),
    rowsRead,
    sampleFraction,
    registers,
    relativeError95: countError(site, plan, sampleFraction),
  };
}

/**
 * The relative error 95 % of the sampled totals stay within: each visitor is in the sample with
 * chance f, so the scaled total's variance is (1 − f)/f² × Σ c² over the sampled visitors' counts c.
 */
function countError(site: ScannedSite, plan: AggregatePlan, f: number): number {
  const perVisitor = new Map<string, number>();
  for (const row of site.events) {
    if (counted(row, plan) && eventHolds(plan.filter, row))
      perVisitor.set(row.event.visitor_id, (perVisitor.get(row.event.visitor_id) ?? 0) + 1);
  }
  let squares = 0;
  let total = 0;
  for (const c of perVisitor.values()) {
    squares += c * c;
    total += c;
  }
  return total === 0
    ? 1
    : Math.round(((1.96 * Math.sqrt((1 - f) * squares)) / total) * 10_000) / 10_000;
}

/** A sketch's rank histogram from its registers' highest ranks. */
function ranksOf(highest: ReadonlyMap<number, number>, registers: number): number[] {
  const ranks = emptyRanks(registers);
  for (const rank of highest.values()) {
    ranks[rank]!++;
    ranks[0]!--;
  }
  return ranks;
}

/** The counted visits of a funnel's range and filter, each with its counted events matching a step. */
export function visitStepsScan(
  site: ScannedSite,
  plan: FunnelPlan,
  each: (visit: VisitSteps) => void,
): number {
  const matching = visitsMatching(site, plan);
  const visits = new Map<string, VisitSteps & { events: Array<{ ts: number; matches: number }> }>();
  for (const row of site.visits)
    if (visitCounts(row, plan, matching))
      visits.set(row.visit.visitId, { visitor: row.visit.visitorId, events: [] });
  let rows = 0;
  for (const row of site.events) {
    const visit = visits.get(row.visit.visitId);
    if (!visit || !counted(row, plan)) continue;
    let matches = 0;
    plan.steps.forEach((step, i) => {
      if (eventHolds(step, row)) matches |= 1 << i;
    });
    if (matches === 0) continue;
    visit.events.push({ ts: row.event.timestamp, matches });
    rows++;
  }
  for (const visit of visits.values()) {
    if (visit.events.length === 0) continue;
    visit.events.sort((a, b) => a.ts - b.ts);
    each(visit);
  }
  return rows;
}

/** The property keys of the counted events, the most used first (ties by name). */
export function propertyKeysScan(
  site: ScannedSite,
  plan: Pick<AggregatePlan, 'from' | 'to' | 'includeBots' | 'filter'>,
  limit: number,
): Array<{ key: string; events: number }> {
  const counts = new Map<string, number>();
  for (const row of site.events) {
    if (!counted(row, plan) || row.event.properties === null || !eventHolds(plan.filter, row))
      continue;
    propertyOf(row, '');
    for (const key of row.props!.keys()) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([key, events]) => ({ key, events }))
    .sort((a, b) => b.events - a.events || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, limit);
}
