import type { CounterAccumulator } from './counters.js';
import { bucketStart } from './time-buckets.js';
import { PAGE_VIEW, type TrackedEvent } from './tracked-event.js';

/** A visit: a visitor's events with no gap longer than the inactivity timeout (30 minutes). */
export interface SessionState {
  site_id: string;
  visitor_id: string;
  /** Stable identity: the first event's id, so a session whose start moves keeps its row. */
  session_key: string;
  start: number;
  last: number;
  events: number;
  pageviews: number;
  /** Clicks and custom events: anything but page views and scroll milestones. */
  interactions: number;
  entry_page: string;
  is_bot: boolean;
}

export const SESSION_TIMEOUT_MS = 30 * 60_000;

/** A bounce is a visit of at most one page view with no interaction. */
export function isBounce(session: SessionState): boolean {
  return session.pageviews <= 1 && session.interactions === 0;
}

export interface SessionChange {
  before: SessionState | null;
  after: SessionState;
}

/**
 * Folds one visitor's new events into their known sessions. `existing` are the sessions that may
 * touch the events' time span; events may arrive out of order.
 */
export function sessionize(
  existing: readonly SessionState[],
  events: readonly TrackedEvent[],
  timeoutMs = SESSION_TIMEOUT_MS,
): SessionChange[] {
  const sessions: SessionChange[] = existing.map((s) => ({ before: s, after: { ...s } }));
  const sorted = [...events].sort((a, b) => a.timestamp - b.timestamp);
  for (const event of sorted) {
    const match = sessions.find(
      ({ after }) =>
        event.timestamp >= after.start - timeoutMs && event.timestamp <= after.last + timeoutMs,
    );
    if (match) addEvent(match.after, event);
    else sessions.push({ before: null, after: newSession(event) });
  }
  return sessions.filter(({ before, after }) => before === null || before.events !== after.events);
}

function newSession(event: TrackedEvent): SessionState {
  const session: SessionState = {
    site_id: event.site_id,
    visitor_id: event.visitor_id,
    session_key: event.event_id,
    start: event.timestamp,
    last: event.timestamp,
    events: 0,
    pageviews: 0,
    interactions: 0,
    entry_page: event.page,
    is_bot: event.is_bot,
  };
  addEvent(session, event);
  return session;
}

function addEvent(session: SessionState, event: TrackedEvent): void {
  if (event.timestamp < session.start) {
    session.start = event.timestamp;
    session.entry_page = event.page;
  }
  session.last = Math.max(session.last, event.timestamp);
  session.events += 1;
  if (event.event_type === PAGE_VIEW) session.pageviews += 1;
  else if (event.event_type !== 'scroll') session.interactions += 1;
}

/** Session metrics count in the hour and day their session started; a change moves them. */
export function countSessionChanges(
  changes: readonly SessionChange[],
  into: CounterAccumulator,
): void {
  for (const { before, after } of changes) {
    if (before) addContribution(before, -1, into);
    addContribution(after, 1, into);
  }
}

function addContribution(session: SessionState, sign: 1 | -1, into: CounterAccumulator): void {
  for (const granularity of ['hour', 'day'] as const) {
    into.add(
      {
        site_id: session.site_id,
        dimension: 'total',
        value: '',
        granularity,
        bucket: bucketStart(session.start, granularity),
        is_bot: session.is_bot,
      },
      {
        sessions: sign,
        bounces: isBounce(session) ? sign : 0,
        duration_ms: sign * (session.last - session.start),
      },
    );
  }
}

/** Splits events by (site, visitor), keeping their order. */
export function groupByVisitor(events: readonly TrackedEvent[]): TrackedEvent[][] {
  const groups = new Map<string, TrackedEvent[]>();
  for (const event of events) {
    const key = `${event.site_id}\u0000${event.visitor_id}`;
    const group = groups.get(key);
    if (group) group.push(event);
    else groups.set(key, [event]);
  }
  return [...groups.values()];
}
