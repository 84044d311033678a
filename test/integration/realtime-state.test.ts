import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLiveHub, DEFAULT_LIVE_LIMITS } from '../../src/query/realtime/live-hub.js';
import { matchesFilter } from '../../src/query/realtime/live-subscribers.js';
import { toFeedFilter, toTotalsQuery } from '../../src/query/realtime/live-args.js';
import { LiveWindow, OTHER_PAGES, WINDOW_SECONDS } from '../../src/query/realtime/live-window.js';
import { createSubscriptionQueue } from '../../src/query/realtime/subscription-queue.js';
import { makeEvent } from '../support/events.js';

const T0 = Date.UTC(2026, 0, 31, 12, 0, 0);
const sample = (visitor: string, page: string, at: number, pageview = true) => ({
  visitor,
  page,
  pageview,
  at,
});

describe('LiveWindow (the last five minutes, per second)', () => {
  const limits = { maxVisitors: 1000, maxPagesPerSecond: 50 };

  it('counts events, page views, active visitors and views per page', () => {
    const w = new LiveWindow(limits);
    w.add(sample('v1', '/a', T0), T0);
    w.add(sample('v1', '/a', T0 + 1000), T0 + 1000);
    w.add(sample('v2', '/b', T0 + 2000), T0 + 2000);
    w.add(sample('v2', '/b', T0 + 2500, false), T0 + 2500);
    const s = w.snapshot(T0 + 3000, { pageLimit: 10, seconds: 5 });
    expect(s).toMatchObject({
      events: 4,
      pageviews: 3,
      activeVisitors: 2,
      pages: [
        { page: '/a', views: 2 },
        { page: '/b', views: 1 },
      ],
    });
    expect(s.perSecond.map((p) => p.events)).toEqual([0, 1, 1, 2, 0]);
    expect(s.perSecond.at(-1)!.time).toBe(T0 + 3000);
    // 4 events in the 10 complete seconds before now.
    expect(s.eventsPerSecond).toBe(0.4);
  });

  it('forgets what is older than five minutes, page totals included', () => {
    const w = new LiveWindow(limits);
    w.add(sample('v1', '/old', T0), T0);
    w.add(sample('v2', '/new', T0 + 200_000), T0 + 200_000);
    const later = w.snapshot(T0 + WINDOW_SECONDS * 1000 + 1000, { pageLimit: 10, seconds: 60 });
    expect(later).toMatchObject({
      events: 1,
      pageviews: 1,
      activeVisitors: 1,
      pages: [{ page: '/new', views: 1 }],
    });
    expect(w.snapshot(T0 + 600_000, { pageLimit: 10, seconds: 60 })).toMatchObject({
      events: 0,
      activeVisitors: 0,
      pages: [],
    });
    expect(w.idle(T0 + 600_000)).toBe(true);
  });

  it('ignores events from before the window and recycles a bucket for a new second', () => {
    const w = new LiveWindow(limits);
    const now = T0 + 1_000_000;
    w.add(sample('v1', '/late', now - WINDOW_SECONDS * 1000 - 5000), now);
    w.add(sample('v1', '/a', T0), T0);
    w.add(sample('v1', '/a', T0 + WINDOW_SECONDS * 1000), T0 + WINDOW_SECONDS * 1000); // same slot, 300 s later
    expect(w.snapshot(T0 + WINDOW_SECONDS * 1000, { pageLimit: 10, seconds: 1 })).toMatchObject({
      events: 1,
      pages: [{ page: '/a', views: 1 }],
    });
  });

  it('stays bounded: pages past the per-second limit are (other), visitors past the cap are forgotten', () => {
    const w = new LiveWindow({ maxVisitors: 3, maxPagesPerSecond: 2 });
    for (let i = 0; i < 5; i++) w.add(sample(`v${i}`, `/p${i}`, T0), T0);
    const s = w.snapshot(T0 + 500, { pageLimit: 10, seconds: 1 });
    expect(s.activeVisitors).toBe(3);
    expect(s.pages).toEqual([
      { page: OTHER_PAGES, views: 3 },
      { page: '/p0', views: 1 },
      { page: '/p1', views: 1 },
    ]);
  });
});

describe('subscription queue', () => {
  it('drops the oldest values past its capacity and ends a waiting next() on return()', async () => {
    const ended = vi.fn();
    const q = createSubscriptionQueue<number>(2, ended);
    q.push(1);
    q.push(2);
    q.push(3);
    expect(q.dropped).toBe(1);
    expect(await q.next()).toEqual({ value: 2, done: false });
    expect(await q.next()).toEqual({ value: 3, done: false });
    const waiting = q.next();
    await q.return!();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(ended).toHaveBeenCalledOnce();
    q.push(4);
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });
});

describe('LiveHub', () => {
  afterEach(() => vi.useRealTimers());

  it('matches feed filters: site, bots, event types, exact page and /prefix/*', () => {
    const filter = toFeedFilter({
      siteId: 'shop',
      eventTypes: ['CLICK', 'pageview'],
      page: '/blog/*',
    });
    expect(filter).toEqual({
      siteId: 'shop',
      includeBots: false,
      eventTypes: ['click', 'page_view'],
      page: '/blog/*',
    });
    expect(
      matchesFilter(filter, makeEvent({ site_id: 'shop', event_type: 'click', page: '/blog/a' })),
    ).toBe(true);
    expect(
      matchesFilter(filter, makeEvent({ site_id: 'shop', event_type: 'click', page: '/blogger' })),
    ).toBe(false);
    expect(
      matchesFilter(filter, makeEvent({ site_id: 'shop', event_type: 'scroll', page: '/blog/a' })),
    ).toBe(false);
    expect(
      matchesFilter(filter, makeEvent({ site_id: 'other', event_type: 'click', page: '/blog/a' })),
    ).toBe(false);
    expect(
      matchesFilter(
        filter,
        makeEvent({ site_id: 'shop', event_type: 'click', page: '/blog/a', is_bot: true }),
      ),
    ).toBe(false);
    expect(
      matchesFilter(
        toFeedFilter({ siteId: 'default', page: '/home/' }),
        makeEvent({ site_id: 'default', page: '/home' }),
      ),
    ).toBe(true);
    expect(() => toFeedFilter({ siteId: 'shop', eventTypes: ['9x'] })).toThrow(/event type/);
    expect(() => toTotalsQuery({ siteId: 'shop', pageLimit: 0 })).toThrow(/from 1 to 100/);
  });

  it('streams matching events to each subscriber, at most feedRatePerSecond a second', async () => {
    let now = T0;
    const hub = createLiveHub({ ...DEFAULT_LIVE_LIMITS, feedRatePerSecond: 5 }, () => now);
    const all = hub.subscribeEvents({ siteId: 's', includeBots: false });
    const clicks = hub.subscribeEvents({ siteId: 's', includeBots: false, eventTypes: ['click'] });
    hub.publish(
      Array.from({ length: 10 }, (_, i) =>
        makeEvent({
          site_id: 's',
          event_type: i % 2 ? 'click' : 'page_view',
          received_at: now,
          event_id: `event-${i}-xxxx`,
        }),
      ),
    );
    const received = async (it: AsyncIterator<unknown>, n: number) => {
      const out = [];
      for (let i = 0; i < n; i++)
        out.push(((await it.next()).value as { event_id: string }).event_id);
      return out;
    };
    expect(await received(all, 5)).toEqual([
      'event-0-xxxx',
      'event-1-xxxx',
      'event-2-xxxx',
      'event-3-xxxx',
      'event-4-xxxx',
    ]);
    expect(await received(clicks, 5)).toEqual([
      'event-1-xxxx',
      'event-3-xxxx',
      'event-5-xxxx',
      'event-7-xxxx',
      'event-9-xxxx',
    ]);
    now += 1000; // a second later the budget is back
    hub.publish([
      makeEvent({ site_id: 's', event_type: 'click', received_at: now, event_id: 'event-late-xx' }),
    ]);
    expect(await received(all, 1)).toEqual(['event-late-xx']);
    expect(hub.recent({ siteId: 's', includeBots: false }, 2).map((e) => e.event_id)).toEqual([
      'event-late-xx',
      'event-9-xxxx',
    ]);
    expect(hub.sites()).toEqual(['s']);
    hub.close();
    expect(await all.next()).toEqual({ value: undefined, done: true });
  });

  it('sends live totals at once and then every interval, humans and bots apart', async () => {
    vi.useFakeTimers({ now: T0 });
    const hub = createLiveHub({ ...DEFAULT_LIVE_LIMITS, totalsIntervalMs: 1000 });
    const humans = hub.subscribeTotals({
      siteId: 's',
      includeBots: false,
      pageLimit: 5,
      seconds: 10,
    });
    expect(((await humans.next()).value as { events: number }).events).toBe(0);
    hub.publish([
      makeEvent({ site_id: 's', received_at: T0, visitor_id: 'a' }),
      makeEvent({ site_id: 's', received_at: T0, visitor_id: 'bot', is_bot: true }),
    ]);
    await vi.advanceTimersByTimeAsync(1000);
    expect((await humans.next()).value).toMatchObject({
      events: 1,
      pageviews: 1,
      activeVisitors: 1,
      pages: [{ page: '/home', views: 1 }],
    });
    expect(hub.totals({ siteId: 's', includeBots: true, pageLimit: 5, seconds: 10 })).toMatchObject(
      { events: 2, activeVisitors: 2 },
    );
    await humans.return!();
    hub.close();
  });

  it('counts an event resent with the same event_id once', () => {
    const hub = createLiveHub({ ...DEFAULT_LIVE_LIMITS, recentIds: 2 });
    const event = makeEvent({ site_id: 's', event_id: 'resent-event' });
    hub.publish([event, event]);
    hub.publish([event]);
    const totals = () => hub.totals({ siteId: 's', includeBots: false, pageLimit: 5, seconds: 1 });
    expect(totals().events).toBe(1);
    hub.publish([makeEvent({ site_id: 's' }), makeEvent({ site_id: 's' })]); // pushes the id out of the horizon
    hub.publish([event]);
    expect(totals().events).toBe(4);
  });

  it('forgets the least recently active site past maxSites', () => {
    const hub = createLiveHub({ ...DEFAULT_LIVE_LIMITS, maxSites: 2 });
    for (const site of ['a', 'b', 'a', 'c']) hub.publish([makeEvent({ site_id: site })]);
    expect(hub.sites()).toEqual(['a', 'c']);
  });
});
