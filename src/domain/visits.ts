import { PAGE_VIEW, type TrackedEvent } from './tracked-event.js';
import { visitAttributesOf, type VisitAttributes } from './visit-attributes.js';

/**
 * Visits (docs/query.md, Visits): a visitor's events ordered by (timestamp, event_id), split where
 * more than 30 minutes pass without an event. The planner folds a batch's new events into the
 * visits already stored for their visitors, whatever order the events arrive in, so the stored
 * visits are always those the whole event history gives: a late event that closes a gap joins two
 * visits, one earlier than a visit's start gives it a new first event (and attributes).
 */
export const VISIT_GAP_MS = 30 * 60_000;

/** A point of a visit: its time and event id, which orders events of the same millisecond. */
export interface VisitMark {
  ts: number;
  eventId: string;
}

export interface PageMark extends VisitMark {
  page: string;
}

export interface Visit {
  siteId: string;
  visitorId: string;
  /** Stable: the id of the event that began it when first stored; kept by the survivor of a merge. */
  visitId: string;
  first: VisitMark;
  last: VisitMark;
  /** The first event's. */
  attributes: VisitAttributes;
  isBot: boolean;
  entry: PageMark | null;
  exit: PageMark | null;
  pageviews: number;
  events: number;
  /** Clicks and custom events: anything but page views and scroll milestones. */
  interactions: number;
}

export interface VisitChange {
  before: Visit | null;
  after: Visit;
  /**
   * The first event's attributes or the entry page changed, or events of other visits joined this
   * one: a store that copies them onto event rows must rewrite the visit's older events.
   */
  rewriteEvents: boolean;
}

export interface VisitPlan {
  changes: VisitChange[];
  /** Visits that merged into another one: gone, their events now belong to `into`. */
  merged: Array<{ visit: Visit; into: string }>;
  /** The visit of each new event. */
  visitOf: Map<string, string>;
}

export const isBounce = (visit: Pick<Visit, 'pageviews' | 'interactions'>): boolean =>
  visit.pageviews <= 1 && visit.interactions === 0;
export const durationOf = (visit: Pick<Visit, 'first' | 'last'>): number =>
  visit.last.ts - visit.first.ts;

export function before(a: VisitMark, b: VisitMark): boolean {
  return a.ts < b.ts || (a.ts === b.ts && a.eventId < b.eventId);
}

/** The stored visits a batch of one visitor's events can touch: those within 30 minutes of them. */
export function touchWindow(events: readonly TrackedEvent[]): { from: number; to: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const e of events) {
    if (e.timestamp < min) min = e.timestamp;
    if (e.timestamp > max) max = e.timestamp;
  }
  return { from: min - VISIT_GAP_MS, to: max + VISIT_GAP_MS };
}

type Item = { kind: 'visit'; visit: Visit } | { kind: 'event'; event: TrackedEvent };

const startOf = (item: Item): VisitMark =>
  item.kind === 'visit'
    ? item.visit.first
    : { ts: item.event.timestamp, eventId: item.event.event_id };
const endOf = (item: Item): number =>
  item.kind === 'visit' ? item.visit.last.ts : item.event.timestamp;

/**
 * Folds one visitor's new events (not stored before) into their stored visits. `stored` must hold
 * every stored visit of the visitor that overlaps touchWindow(events); others are left alone.
 */
export function planVisits(stored: readonly Visit[], events: readonly TrackedEvent[]): VisitPlan {
  const items: Item[] = [
    ...stored.map((visit): Item => ({ kind: 'visit', visit })),
    ...events.map((event): Item => ({ kind: 'event', event })),
  ];
  items.sort((a, b) =>
    before(startOf(a), startOf(b)) ? -1 : before(startOf(b), startOf(a)) ? 1 : 0,
  );
  const plan: VisitPlan = { changes: [], merged: [], visitOf: new Map() };
  let group: Item[] = [];
  let groupEnd = -Infinity;
  for (const item of items) {
    if (group.length > 0 && startOf(item).ts - groupEnd > VISIT_GAP_MS) {
      fold(group, plan);
      group = [];
    }
    group.push(item);
    groupEnd = Math.max(groupEnd, endOf(item));
  }
  if (group.length > 0) fold(group, plan);
  return plan;
}

/** One run of items with no gap over 30 minutes: one visit. */
function fold(group: readonly Item[], plan: VisitPlan): void {
  const visits = group
    .filter((i): i is Extract<Item, { kind: 'visit' }> => i.kind === 'visit')
    .map((i) => i.visit);
  const events = group
    .filter((i): i is Extract<Item, { kind: 'event' }> => i.kind === 'event')
    .map((i) => i.event);
  if (events.length === 0) return;
  const survivor = visits[0] ?? null;
  // A working copy, changed in place: a batch adds many events to one visit.
  const visit: Visit = survivor ? { ...survivor } : startVisit(events[0]!);
  for (const other of visits.slice(1)) {
    combineInto(visit, other);
    plan.merged.push({ visit: other, into: visit.visitId });
  }
  for (let i = survivor ? 0 : 1; i < events.length; i++) addEvent(visit, events[i]!);
  for (const event of events) plan.visitOf.set(event.event_id, visit.visitId);
  const rewriteEvents =
    survivor !== null &&
    (visits.length > 1 ||
      survivor.first.eventId !== visit.first.eventId ||
      survivor.entry?.eventId !== visit.entry?.eventId);
  plan.changes.push({ before: survivor, after: visit, rewriteEvents });
}

function startVisit(event: TrackedEvent): Visit {
  const mark = { ts: event.timestamp, eventId: event.event_id };
  const page = event.event_type === PAGE_VIEW ? { ...mark, page: event.page } : null;
  return {
    siteId: event.site_id,
    visitorId: event.visitor_id,
    visitId: event.event_id,
    first: mark,
    last: mark,
    attributes: visitAttributesOf(event),
    isBot: event.is_bot,
    entry: page,
    exit: page,
    pageviews: page ? 1 : 0,
    events: 1,
    interactions: isInteraction(event) ? 1 : 0,
  };
}

function addEvent(visit: Visit, event: TrackedEvent): void {
  const mark = { ts: event.timestamp, eventId: event.event_id };
  if (before(mark, visit.first)) {
    visit.first = mark;
    // Only an event that becomes the first one needs its attributes worked out.
    visit.attributes = visitAttributesOf(event);
    visit.isBot = event.is_bot;
  }
  if (before(visit.last, mark)) visit.last = mark;
  if (event.event_type === PAGE_VIEW) {
    const page = { ...mark, page: event.page };
    if (visit.entry === null || before(page, visit.entry)) visit.entry = page;
    if (visit.exit === null || before(visit.exit, page)) visit.exit = page;
    visit.pageviews++;
  } else if (isInteraction(event)) visit.interactions++;
  visit.events++;
}

/** Adds `other`'s events to `visit`, which keeps its id. */
function combineInto(visit: Visit, other: Visit): void {
  if (before(other.first, visit.first)) {
    visit.first = other.first;
    visit.attributes = other.attributes;
    visit.isBot = other.isBot;
  }
  if (before(visit.last, other.last)) visit.last = other.last;
  if (visit.entry === null || (other.entry !== null && before(other.entry, visit.entry)))
    visit.entry = other.entry;
  if (visit.exit === null || (other.exit !== null && before(visit.exit, other.exit)))
    visit.exit = other.exit;
  visit.pageviews += other.pageviews;
  visit.events += other.events;
  visit.interactions += other.interactions;
}

function isInteraction(event: TrackedEvent): boolean {
  return event.event_type !== PAGE_VIEW && event.event_type !== 'scroll';
}

/** Splits events by (site, visitor), keeping their order. */
export function byVisitor(events: readonly TrackedEvent[]): TrackedEvent[][] {
  const groups = new Map<string, TrackedEvent[]>();
  for (const event of events) {
    const key = `${event.site_id}\u0000${event.visitor_id}`;
    const group = groups.get(key);
    if (group) group.push(event);
    else groups.set(key, [event]);
  }
  return [...groups.values()];
}
