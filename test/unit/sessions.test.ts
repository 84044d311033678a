import { describe, expect, it } from 'vitest';
import { CounterAccumulator } from '../../src/domain/counters.js';
import {
  SESSION_TIMEOUT_MS,
  countSessionChanges,
  groupByVisitor,
  isBounce,
  sessionize,
  type SessionState,
} from '../../src/domain/sessions.js';
import type { TrackedEvent } from '../../src/domain/tracked-event.js';
import { makeEvent } from '../support/events.js';

const T0 = Date.UTC(2026, 0, 31, 10);
const MINUTE = 60_000;

const at = (minutes: number, overrides: Partial<TrackedEvent> = {}) =>
  makeEvent({
    timestamp: T0 + minutes * MINUTE,
    event_id: `e-${minutes}-${overrides.event_type ?? 'pv'}-${overrides.page ?? ''}`,
    ...overrides,
  });

const sessionsOf = (events: TrackedEvent[], existing: SessionState[] = []) =>
  sessionize(existing, events).map((c) => c.after);

describe('sessionize', () => {
  it('keeps events with gaps of exactly 30 minutes in one session', () => {
    const [session, ...rest] = sessionsOf([at(0), at(30), at(60)]);
    expect(rest).toEqual([]);
    expect(session).toMatchObject({ start: T0, last: T0 + 60 * MINUTE, events: 3, pageviews: 3 });
  });

  it('starts a new session after more than 30 minutes of inactivity', () => {
    const late = makeEvent({ timestamp: T0 + SESSION_TIMEOUT_MS + 1, event_id: 'late-event' });
    const sessions = sessionsOf([at(0), late]);
    expect(sessions).toHaveLength(2);
    expect(sessions.map((s) => s.session_key)).toEqual([at(0).event_id, 'late-event']);
  });

  it('orders events that arrive out of order: start and entry page are the earliest event', () => {
    const events = [at(20, { page: '/c' }), at(0, { page: '/a' }), at(10, { page: '/b' })];
    const [session, ...rest] = sessionsOf(events);
    expect(rest).toEqual([]);
    expect(session).toMatchObject({
      start: T0,
      last: T0 + 20 * MINUTE,
      entry_page: '/a',
      events: 3,
      session_key: at(0, { page: '/a' }).event_id,
    });
  });

  it('out-of-order events bridge what would otherwise be two sessions', () => {
    expect(sessionsOf([at(0), at(50), at(25)])).toHaveLength(1);
  });

  it('extends a stored session backwards with a late event, moving its start and entry page', () => {
    const [stored] = sessionsOf([at(40, { page: '/later' })]);
    const changes = sessionize([stored!], [at(15, { page: '/earlier' })]);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.before).toEqual(stored);
    expect(changes[0]!.after).toMatchObject({
      start: T0 + 15 * MINUTE,
      last: T0 + 40 * MINUTE,
      entry_page: '/earlier',
      events: 2,
      session_key: stored!.session_key,
    });
  });

  it('reports only the sessions that changed', () => {
    const [morning] = sessionsOf([at(0)]);
    const [evening] = sessionsOf([at(600)]);
    const changes = sessionize([morning!, evening!], [at(605, { event_type: 'click' })]);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.before).toEqual(evening);
    expect(changes[0]!.after.interactions).toBe(1);
  });

  it('counts page views, interactions and scrolls apart', () => {
    const [session] = sessionsOf([
      at(0),
      at(1, { event_type: 'scroll' }),
      at(2, { event_type: 'click' }),
      at(3, { event_type: 'signup' }),
      at(4),
    ]);
    expect(session).toMatchObject({ events: 5, pageviews: 2, interactions: 2 });
  });
});

describe('isBounce', () => {
  const bounce = (...types: string[]) =>
    isBounce(sessionsOf(types.map((event_type, i) => at(i, { event_type })))[0]!);

  it('a single page view is a bounce', () => expect(bounce('page_view')).toBe(true));
  it('scrolling is not an interaction: a page view and scrolls still bounce', () =>
    expect(bounce('page_view', 'scroll', 'scroll')).toBe(true));
  it('a click makes it a visit', () => expect(bounce('page_view', 'click')).toBe(false));
  it('a custom event makes it a visit', () => expect(bounce('page_view', 'signup')).toBe(false));
  it('two page views make it a visit', () => expect(bounce('page_view', 'page_view')).toBe(false));
  it('a session of interactions without page views is not a bounce', () =>
    expect(bounce('click')).toBe(false));
});

describe('countSessionChanges', () => {
  const totalsOf = (into: CounterAccumulator, granularity: 'hour' | 'day') =>
    [...into.deltas.values()]
      .filter((d) => d.granularity === granularity)
      .map(({ sessions, bounces, duration_ms }) => ({ sessions, bounces, duration_ms }));

  it('counts a new session in the hour and day it started', () => {
    const into = new CounterAccumulator();
    countSessionChanges(sessionize([], [at(0), at(5, { event_type: 'scroll' })]), into);
    expect(totalsOf(into, 'hour')).toEqual([{ sessions: 1, bounces: 1, duration_ms: 5 * MINUTE }]);
    expect(totalsOf(into, 'day')).toEqual([{ sessions: 1, bounces: 1, duration_ms: 5 * MINUTE }]);
  });

  it('a changed session replaces its old contribution: still one session, no longer a bounce', () => {
    const [stored] = sessionsOf([at(0)]);
    const into = new CounterAccumulator();
    countSessionChanges(sessionize([stored!], [at(10, { event_type: 'click' })]), into);
    expect(totalsOf(into, 'hour')).toEqual([
      { sessions: 0, bounces: -1, duration_ms: 10 * MINUTE },
    ]);
  });
});

describe('groupByVisitor', () => {
  it('splits by site and visitor, keeping order', () => {
    const a1 = makeEvent({ visitor_id: 'a', event_id: 'a-1-event' });
    const b1 = makeEvent({ visitor_id: 'b', event_id: 'b-1-event' });
    const a2 = makeEvent({ visitor_id: 'a', event_id: 'a-2-event' });
    const otherSite = makeEvent({ visitor_id: 'a', site_id: 'other', event_id: 'a-3-event' });
    expect(groupByVisitor([a1, b1, a2, otherSite])).toEqual([[a1, a2], [b1], [otherSite]]);
  });
});
