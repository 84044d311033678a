import { propertyStrings } from '../../domain/event-properties.js';
import { HyperLogLog } from '../../domain/hyperloglog.js';
import { PAGE_VIEW, type TrackedEvent } from '../../domain/tracked-event.js';
import { planVisits, type Visit } from '../../domain/visits.js';

/**
 * Raw events read back from a store that cannot aggregate (Cassandra), put in their visits in
 * memory so the scan engine can answer the general query from them. A visitor's events must be
 * every stored event of theirs that shares a visit with one in the range (raw-event-scan.ts reads
 * past the range's edges until a 30-minute gap): then the visits are the ones the whole event
 * history gives, as the embedded store keeps them.
 */
export interface ScannedEvent {
  event: TrackedEvent;
  visit: Visit;
  /** The visitor's HyperLogLog register and rank. */
  register: number;
  rank: number;
  isPageview: boolean;
  /** Property values as strings, built on first use. */
  props: Map<string, string> | null;
}

export interface ScannedVisit {
  visit: Visit;
  register: number;
  rank: number;
}

export interface ScannedSite {
  events: ScannedEvent[];
  visits: ScannedVisit[];
}

/** Puts each visitor's events into visits (events of one visitor per list, any order). */
export function scanVisits(visitors: Iterable<readonly TrackedEvent[]>): ScannedSite {
  const site: ScannedSite = { events: [], visits: [] };
  for (const events of visitors) {
    if (events.length === 0) continue;
    const { index: register, rank } = HyperLogLog.position(events[0]!.visitor_id);
    const plan = planVisits([], events);
    const byId = new Map<string, Visit>();
    for (const change of plan.changes) {
      byId.set(change.after.visitId, change.after);
      site.visits.push({ visit: change.after, register, rank });
    }
    for (const event of events) {
      const visit = byId.get(plan.visitOf.get(event.event_id)!)!;
      site.events.push({
        event,
        visit,
        register,
        rank,
        isPageview: event.event_type === PAGE_VIEW,
        props: null,
      });
    }
  }
  return site;
}

/** An event's property as queries see it; undefined when it has none of that key. */
export function propertyOf(row: ScannedEvent, key: string): string | undefined {
  if (row.props === null)
    row.props = new Map(propertyStrings(row.event.properties).map((p) => [p.key, p.value]));
  return row.props.get(key);
}
